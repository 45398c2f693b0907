import { Module, type DynamicModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ProvidersOps } from '@switchboard/contracts';
import { PgEventStore } from '@switchboard/event-store';
import { loadUseCases, operationsController, useCasesOf } from '@switchboard/messaging';
import { TenantQuotas } from '@switchboard/service-runtime';
import { HealthController } from './health/health.controller.js';

/**
 * The service's use cases are the `*.handler` classes below this folder, each registered by its own decorator
 * (CommandOperation, QueryOperation): adding one is adding its folder. The store is built and migrated before Nest
 * starts, so a service that cannot reach Postgres never listens.
 */
@Module({})
export class AppModule {
  static async forRoot(store: PgEventStore, quotas: TenantQuotas): Promise<DynamicModule> {
    await loadUseCases(new URL('.', import.meta.url));
    const useCases = useCasesOf(ProvidersOps);
    return {
      module: AppModule,
      imports: [CqrsModule.forRoot()],
      controllers: [HealthController, operationsController(useCases)],
      providers: [{ provide: PgEventStore, useValue: store }, { provide: TenantQuotas, useValue: quotas }, ...useCases.map((u) => u.handler)],
    };
  }
}
