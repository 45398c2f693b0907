import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { ModelActionsController } from './discovery/model-actions.controller.js';
import { ModelDiscovery } from './discovery/model-discovery.service.js';
import { ProxyRuntime } from './proxy.runtime.js';

/**
 * The LLM proxy: its call routes are plain Fastify routes (see registerProxyRoutes); Nest only builds and stops
 * the parts. Discovery and the Test action are ordinary management routes over the same parts.
 */
@Module({
  imports: [AuthModule],
  controllers: [ModelActionsController],
  providers: [ProxyRuntime, ModelDiscovery],
  exports: [ProxyRuntime, ModelDiscovery],
})
export class ProxyModule {}
