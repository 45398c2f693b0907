import type { INestMicroservice } from '@nestjs/common';
import { BUS_EVENT_TYPES, DEFAULT_QUOTAS, type DomainEventType, type QuotaLimits } from '@switchboard/contracts';
import type { PgEventStore } from '@switchboard/event-store';
import { BusClient, type DurableConsumer, type NatsConfig } from '@switchboard/messaging';
import { openServiceStore, startService, type RunningService, type ServiceDefinition } from '@switchboard/service-runtime';
import type { Logger } from '@switchboard/telemetry';
import { EgressPolicy, UpstreamClient } from '@switchboard/upstream';
import { AlertEvaluator, type AlertEvaluatorOptions } from './alerts/alert.evaluator.js';
import { AppModule } from './app.module.js';
import { serveBudgetAdmission } from './budget/budget-admission.direct.js';
import { admissionPool, type AdmissionCommit } from './budget/admission.pool.js';
import { BudgetLedger, needsAttention } from './budget/budget.ledger.js';
import { BudgetSweeper, type BudgetSweeperOptions } from './budget/budget.sweeper.js';
import { watchUsageProjection } from './projection/projection.metrics.js';
import { projectionPool } from './projection/projection.pool.js';
import { watchBudgets } from './budget/budget.metrics.js';
import { projectionHorizon, startUsageProjector, type UsageProjectorOptions } from './projection/usage-projector.consumer.js';
import type { ChargedLedgerRow } from './projection/usage.projection.js';
import { SCHEMA, USAGE_MIGRATIONS } from './projection/usage.migrations.js';
import type { UsageClock } from './shared/usage.clock.js';
import type { ServiceIdentity } from '@switchboard/service-identity';
import { DELIVERY_TIMEOUT_MS, WebhookDeliveryWorker, type WebhookWorkerOptions } from './webhooks/webhook-delivery.worker.js';
import { startWebhookIntake } from './webhooks/webhook-intake.consumer.js';
import { usageQuotas } from './webhooks/webhook.quotas.js';

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
  /** Which webhook URLs may be reached (main: SWITCHBOARD_EGRESS_ALLOW); public addresses only when left out. */
  readonly egress?: EgressPolicy;
  /** Deployment-wide quotas (main: quotasFromEnv); DEFAULT_QUOTAS when left out. */
  readonly quotas?: QuotaLimits;
  readonly webhooks?: WebhookWorkerOptions;
  /** Budgets the budget metrics report one by one (main: SWITCHBOARD_METRICS_MAX_BUDGET_SERIES); DEFAULT_MAX_BUDGET_SERIES when left out. */
  readonly maxBudgetSeries?: number;
}

export interface RunningUsageService extends RunningService {
  readonly app: INestMicroservice;
  readonly projector: DurableConsumer;
  readonly ledger: BudgetLedger;
  readonly sweeper: BudgetSweeper;
  readonly alerts: AlertEvaluator;
  readonly webhooks: WebhookDeliveryWorker;
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
    const bus = BusClient.create({ ...options.nats, name: `${options.nats.name}-client` }, options.identity);
    onClose(() => bus.close());
    const egress = options.egress ?? EgressPolicy.fromEnv(undefined);
    const quotas = usageQuotas(options.quotas ?? DEFAULT_QUOTAS);
    const app = await listen(
      await AppModule.forRoot({ dataSource: store.dataSource, ledger, bus, egress, quotas, ...(options.clock ? { clock: options.clock } : {}) }),
    );
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
    const projection = projectionPool(store.dataSource);
    onClose(() => projection.end());
    // Stopped before the app, the store and the projection's pool close, so no projection write is cut off mid-way.
    const projector = await startUsageProjector(nc, names, store, projection, logger.child({ component: 'usage-projector' }), options.projector, onCharged);
    watchUsageProjection(nc, names);
    watchBudgets(store.dataSource, { ...(options.maxBudgetSeries !== undefined ? { maxSeries: options.maxBudgetSeries } : {}), ...(options.clock ? { now: options.clock } : {}) });
    onClose(() => projector.stop());
    const sweeper = new BudgetSweeper(ledger, budgetLogger, projectionHorizon(nc, names), options.budgetSweeper);
    sweeper.start();
    onClose(() => sweeper.stop());
    const alerts = new AlertEvaluator(store, logger.child({ component: 'alert-evaluator' }), options.alerts);
    alerts.start();
    onClose(() => alerts.stop());
    const webhookLogger = logger.child({ component: 'webhooks' });
    const upstream = new UpstreamClient({ policy: egress, timeouts: { connectMs: DELIVERY_TIMEOUT_MS, headersMs: DELIVERY_TIMEOUT_MS, bodyIdleMs: DELIVERY_TIMEOUT_MS } });
    onClose(() => upstream.close());
    const webhooks = new WebhookDeliveryWorker(store.dataSource, bus, upstream, webhookLogger, options.webhooks);
    webhooks.start();
    onClose(() => webhooks.stop());
    const intake = await startWebhookIntake(nc, names, store.dataSource, options.identity, webhookLogger, () => webhooks.notify());
    onClose(() => Promise.all(intake.map((consumer) => consumer.stop())));
    return { app, projector, ledger, sweeper, alerts, webhooks };
  });
}
