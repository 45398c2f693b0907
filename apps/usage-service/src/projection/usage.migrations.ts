import type { Migration } from '@switchboard/event-store';
import { tenantQuotasMigration } from '@switchboard/service-runtime';
import { BUDGET_MIGRATIONS } from '../budget/budget.migrations.js';
import { webhookMigrations } from '../webhooks/webhook.migrations.js';

/** The service's schema; the event store's own tables (events and outbox of alerts) live beside these. */
export const SCHEMA = 'usage';

/**
 * - `calls`: one row per `usage.recorded`, keyed by request id (`request_id` holds `<requestId>-<n>` for the n-th
 *   attempt of a call that failed over, see callKeyOf), so a redelivered event changes nothing. The
 *   source of truth for every figure: aggregates are recomputed from it, and it is itself rebuilt by
 *   replaying the EVENTS stream (rebuild-usage --from-stream) for as long as the stream retains the events.
 *   `cost_usd` is null when the gateway sent no cost (an unpriced model).
 * - `daily`: per (tenant, UTC day, provider, model, agent), written in the same statement as the call.
 *   Latencies are numeric so that sums are exact: the live projection and a rebuild add in different orders
 *   and must still agree to the last digit.
 * - `calls.projected_at`: when the projector wrote the row (clock_timestamp(), so each row of a batch gets its
 *   own time; the insert is a single-statement transaction, so this is its commit time short of the WAL flush).
 *   Projection lag is projected_at − at. Rows that existed before the column get the migration's time: added
 *   with now() (a constant, so no table rewrite) and only then given the per-row default.
 */
export const USAGE_MIGRATIONS: readonly Migration[] = [
  {
    id: 'usage-service/001-calls',
    sql: [
      `CREATE TABLE ${SCHEMA}.calls (
         request_id text PRIMARY KEY,
         tenant_id text NOT NULL,
         agent_id text NOT NULL,
         provider_id text NOT NULL,
         model text NOT NULL,
         protocol text NOT NULL,
         stream boolean NOT NULL,
         status integer NOT NULL,
         error_kind text NULL,
         input_tokens bigint NOT NULL,
         output_tokens bigint NOT NULL,
         cached_tokens bigint NOT NULL,
         cost_usd numeric NULL,
         latency_ms numeric NOT NULL,
         ttfb_ms numeric NULL,
         at timestamptz NOT NULL
       )`,
      `CREATE INDEX calls_tenant_at ON ${SCHEMA}.calls (tenant_id, at)`,
      `CREATE INDEX calls_tenant_agent_at ON ${SCHEMA}.calls (tenant_id, agent_id, at)`,
    ],
  },
  {
    id: 'usage-service/002-daily',
    sql: [
      `CREATE TABLE ${SCHEMA}.daily (
         tenant_id text NOT NULL,
         day date NOT NULL,
         provider_id text NOT NULL,
         model text NOT NULL,
         agent_id text NOT NULL,
         requests bigint NOT NULL,
         errors bigint NOT NULL,
         input_tokens bigint NOT NULL,
         output_tokens bigint NOT NULL,
         cached_tokens bigint NOT NULL,
         cost_usd numeric NOT NULL,
         latency_sum_ms numeric NOT NULL,
         PRIMARY KEY (tenant_id, day, provider_id, model, agent_id)
       )`,
      `CREATE INDEX daily_tenant_agent ON ${SCHEMA}.daily (tenant_id, agent_id)`,
    ],
  },
  {
    id: 'usage-service/003-calls-projected-at',
    sql: [
      `ALTER TABLE ${SCHEMA}.calls ADD COLUMN projected_at timestamptz NOT NULL DEFAULT now()`,
      `ALTER TABLE ${SCHEMA}.calls ALTER COLUMN projected_at SET DEFAULT clock_timestamp()`,
    ],
  },
  {
    // Alerts (see alerts/alert.recorder.ts): `dedupe_key` makes raising the same alert twice (a second pass
    // over one window, another replica) a no-op. `calls_at` lets the evaluator find the tenants with recent calls.
    id: 'usage-service/004-alerts',
    sql: [
      `CREATE TABLE ${SCHEMA}.alerts (
         alert_id text PRIMARY KEY,
         tenant_id text NOT NULL,
         kind text NOT NULL,
         subject text NOT NULL,
         detail jsonb NOT NULL,
         dedupe_key text NOT NULL,
         at timestamptz NOT NULL,
         UNIQUE (tenant_id, dedupe_key)
       )`,
      `CREATE INDEX alerts_tenant_at ON ${SCHEMA}.alerts (tenant_id, at DESC, alert_id DESC)`,
      `CREATE TABLE ${SCHEMA}.alert_settings (
         tenant_id text PRIMARY KEY,
         error_rate_pct float8 NOT NULL,
         min_requests integer NOT NULL,
         p95_latency_ms float8 NOT NULL,
         spike_factor float8 NOT NULL,
         window_minutes integer NOT NULL,
         baseline_windows integer NOT NULL,
         version integer NOT NULL,
         updated_at timestamptz NOT NULL
       )`,
      `CREATE INDEX calls_at ON ${SCHEMA}.calls (at)`,
    ],
  },
  {
    // The price a call was costed with, as the gateway had it: a later change of the model's price leaves past
    // calls as they were billed. Null for calls without a cost and for calls recorded before prices travelled.
    id: 'usage-service/005-call-prices',
    sql: [
      `ALTER TABLE ${SCHEMA}.calls
         ADD COLUMN price_input_usd_per_mtok numeric NULL,
         ADD COLUMN price_output_usd_per_mtok numeric NULL,
         ADD COLUMN price_cached_usd_per_mtok numeric NULL,
         ADD COLUMN price_source text NULL`,
    ],
  },
  ...BUDGET_MIGRATIONS,
  ...webhookMigrations(SCHEMA),
  tenantQuotasMigration('usage-service/021-tenant-quotas', SCHEMA),
];
