import type { INestMicroservice } from '@nestjs/common';
import { BUS_EVENT_TYPES, type DomainEventType } from '@switchboard/contracts';
import type { PgEventStore } from '@switchboard/event-store';
import type { DurableConsumer, NatsConfig } from '@switchboard/messaging';
import { openServiceStore, startService, type RunningService, type ServiceDefinition } from '@switchboard/service-runtime';
import type { Logger } from '@switchboard/telemetry';
import { AlertEvaluator, type AlertEvaluatorOptions } from './alerts/alert.evaluator.js';
import { AppModule } from './app.module.js';
import { serveBudgetAdmission } from './budget/budget.controller.js';
import { admissionPool, type AdmissionCommit } from './budget/admission.pool.js';
import { BudgetLedger, needsAttention } from './budget/budget.ledger.js';
import { BudgetSweeper, type BudgetSweeperOptions } from './budget/budget.sweeper.js';
import { projectionHorizon, startUsageProjector, type UsageProjectorOptions } from './projection/usage-projector.consumer.js';
import type { ChargedLedgerRow } from './projection/usage.projection.js';
import { SCHEMA, USAGE_MIGRATIONS } from './projection/usage.migrations.js';
import type { UsageClock } from './queries/usage.controller.js';
import type { ServiceIdentity } from '@switchboard/service-identity';

export const SERVICE_NAME = 'usage-service';

/** The events usage-service appends (through its store and outbox); add a type here to publish it. */
const PUBLISHED_EVENTS: ReadonlySet<DomainEventType> = new Set<DomainEventType>(['AlertRaised', 'BudgetExhausted', 'BudgetRestored']);

function busTypeOf(eventType: string): string {
  if (!PUBLISHED_EVENTS.has(eventType as DomainEventType)) throw new Error(`usage-service publishes no event ${eventType}`);
  return BUS_EVENT_TYPES[eventType as DomainEventType];
}

const SERVICE: ServiceDefinition = { name: SERVICE_NAME, schema: SCHEMA, busTypeOf, migrations: USAGE_MIGRATIONS };

export interface UsageServiceOptions {
  readonly databaseUrl: string;
  readonly nats: NatsConfig;
  readonly logger: Logger;
  readonly identity: ServiceIdentity;
  readonly projector?: UsageProjectorOptions;
  readonly clock?: UsageClock;
  readonly budgetSweeper?: BudgetSweeperOptions;
  /** How budget admissions commit (USAGE_ADMISSION_COMMIT; default fast): see AdmissionCommit. */
  readonly admissionCommit?: AdmissionCommit;
  /** The alert evaluator's period and clock (specs pin the clock and call evaluate() themselves). */
  readonly alerts?: AlertEvaluatorOptions;
}

export interface RunningUsageService extends RunningService {
  readonly app: INestMicroservice;
  readonly projector: DurableConsumer;
  readonly ledger: BudgetLedger;
  readonly sweeper: BudgetSweeper;
  readonly alerts: AlertEvaluator;
}

/** The data source on the service's schema with its migrations applied (for the rebuild command). */
export function openUsageStore(databaseUrl: string): Promise<PgEventStore> {
  return openServiceStore(SERVICE, databaseUrl);
}

/** Everything main() starts, in one place so integration specs boot exactly what production runs. */
export function startUsageService(options: UsageServiceOptions): Promise<RunningUsageService> {
  return startService(SERVICE, options, async ({ store, nc, names, logger, onClose, listen }) => {
    const admissions = admissionPool(store.dataSource, options.admissionCommit ?? 'fast');
    onClose(() => admissions.end());
    const ledger = new BudgetLedger(store.dataSource, store, admissions);
    const app = await listen(AppModule.forRoot({ dataSource: store.dataSource, ledger, ...(options.clock ? { clock: options.clock } : {}) }));
    const budgetLogger = logger.child({ component: 'budget-ledger' });
    const admission = serveBudgetAdmission(nc, names, ledger, budgetLogger, options.identity);
    onClose(() => Promise.all(admission.map((subscription) => subscription.drain())));
    // A charge that crossed a threshold records its event and alerts right away; if that fails the sweeper
    // finds the row later (the projection itself is committed and must not be redone).
    const onCharged = async (rows: readonly ChargedLedgerRow[]) => {
      for (const row of rows) {
        if (!needsAttention(row)) continue;
        await ledger
          .reconcile({ tenantId: row.tenant_id, scope: row.scope, subjectId: row.subject_id, period: row.period })
          .catch((error: unknown) => budgetLogger.warn('budget event deferred to the sweeper', { error: (error as Error).message }));
      }
    };
    // Stopped before the app and the store close, so no projection write is cut off mid-way.
    const projector = await startUsageProjector(nc, names, store, logger.child({ component: 'usage-projector' }), options.projector, onCharged);
    onClose(() => projector.stop());
    const sweeper = new BudgetSweeper(ledger, budgetLogger, projectionHorizon(nc, names), options.budgetSweeper);
    sweeper.start();
    onClose(() => sweeper.stop());
    const alerts = new AlertEvaluator(store, logger.child({ component: 'alert-evaluator' }), options.alerts);
    alerts.start();
    onClose(() => alerts.stop());
    return { app, projector, ledger, sweeper, alerts };
  });
}
