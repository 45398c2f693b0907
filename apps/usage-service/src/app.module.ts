import { Module, type DynamicModule } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { BudgetController } from './budget/budget.controller.js';
import { BudgetLedger } from './budget/budget.ledger.js';
import { AlertsController } from './alerts/alerts.controller.js';
import { HealthController } from './health/health.controller.js';
import { USAGE_CLOCK, UsageController, type UsageClock } from './queries/usage.controller.js';

export interface AppDependencies {
  /** Opened and migrated before Nest starts, so a service that cannot reach Postgres never listens. */
  readonly dataSource: DataSource;
  readonly clock?: UsageClock;
  readonly ledger: BudgetLedger;
}

@Module({})
export class AppModule {
  static forRoot(deps: AppDependencies): DynamicModule {
    return {
      module: AppModule,
      controllers: [HealthController, UsageController, BudgetController, AlertsController],
      providers: [
        { provide: DataSource, useValue: deps.dataSource },
        { provide: BudgetLedger, useValue: deps.ledger },
        { provide: USAGE_CLOCK, useValue: deps.clock ?? (() => new Date()) },
      ],
    };
  }
}
