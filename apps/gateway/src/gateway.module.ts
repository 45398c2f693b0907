import { Module, type DynamicModule } from '@nestjs/common';
import { CoreModule, type CoreOptions } from './core/core.module.js';
import { HealthModule } from './health/health.module.js';
import { ManagementModule } from './management/management.module.js';
import { ProxyModule } from './proxy/proxy.module.js';

/** The LLM proxy is its own module beside ManagementModule, reusing AuthModule. */
@Module({})
export class GatewayModule {
  static forRoot(options: CoreOptions): DynamicModule {
    return { module: GatewayModule, imports: [CoreModule.forRoot(options), ProxyModule, ManagementModule, HealthModule] };
  }
}
