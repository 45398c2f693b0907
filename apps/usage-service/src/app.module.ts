import { Module, type DynamicModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AlertOps, BudgetOps, UsageOps, WebhookOps } from '@switchboard/contracts';
import { BusClient, loadUseCases, operationsController, useCasesOf } from '@switchboard/messaging';
import { TenantQuotas } from '@switchboard/service-runtime';
import { EgressPolicy } from '@switchboard/upstream';
import { DataSource } from 'typeorm';
import { BudgetLedger } from './budget/budget.ledger.js';
import { HealthController } from './health/health.controller.js';
import { USAGE_CLOCK, type UsageClock } from './shared/usage.clock.js';

export interface AppDependencies {
  /** Opened and migrated before Nest starts, so a service that cannot reach Postgres never listens. */
  readonly dataSource: DataSource;
  readonly clock?: UsageClock;
  readonly ledger: BudgetLedger;
  /** Requests to credentials-service (webhook secrets). */
  readonly bus: BusClient;
  /** Which webhook URLs may be saved (SWITCHBOARD_EGRESS_ALLOW, as for provider endpoints). */
  readonly egress: EgressPolicy;
  readonly quotas: TenantQuotas;
}

/**
 * The service's use cases are the `*.handler` classes below this folder, each registered by its own decorator
 * (CommandOperation, QueryOperation): adding one is adding its folder. The proxy's budget admission is served apart,
 * straight on NATS (serveBudgetAdmission), as are the consumers.
 */
@Module({})
export class AppModule {
  static async forRoot(deps: AppDependencies): Promise<DynamicModule> {
    await loadUseCases(new URL('.', import.meta.url));
    const useCases = [UsageOps, BudgetOps, AlertOps, WebhookOps].flatMap((ops) => useCasesOf(ops));
    return {
      module: AppModule,
      imports: [CqrsModule.forRoot()],
      controllers: [HealthController, operationsController(useCases)],
      providers: [
        { provide: DataSource, useValue: deps.dataSource },
        { provide: BudgetLedger, useValue: deps.ledger },
        { provide: BusClient, useValue: deps.bus },
        { provide: EgressPolicy, useValue: deps.egress },
        { provide: TenantQuotas, useValue: deps.quotas },
        { provide: USAGE_CLOCK, useValue: deps.clock ?? (() => new Date()) },
        ...useCases.map((u) => u.handler),
      ],
    };
  }
}
