import { Module, type DynamicModule } from '@nestjs/common';
import { CoreModule, type CoreOptions } from './core/core.module.js';
import { HealthModule } from './health/health.module.js';
import { ManagementModule } from './management/management.module.js';

/** The LLM proxy routes join as their own module beside ManagementModule, reusing AuthModule. */
@Module({})
export class GatewayModule {
  static forRoot(options: CoreOptions): DynamicModule {
    return { module: GatewayModule, imports: [CoreModule.forRoot(options), ManagementModule, HealthModule] };
  }
}
