import type { Migration } from '@switchboard/event-store';

/** The service's schema; the event store's own tables (unused until budgets and alerts emit events) live beside these. */
export const SCHEMA = 'usage';

/**
 * - `calls`: one row per `usage.recorded`, keyed by request id, so a redelivered event changes nothing. The
 *   source of truth for every figure: aggregates are recomputed from it, and it is itself rebuilt by
 *   replaying the EVENTS stream (rebuild-usage --from-stream) for as long as the stream retains the events.
 *   `cost_usd` is null when the gateway sent no cost (an unpriced model).
 * - `daily`: per (tenant, UTC day, provider, model, agent), written in the same statement as the call.
 *   Latencies are numeric so that sums are exact: the live projection and a rebuild add in different orders
 *   and must still agree to the last digit.
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
    // The price a call was costed with, as the gateway had it: a later change of the model's price leaves past
    // calls as they were billed. Null for calls without a cost and for calls recorded before prices travelled.
    id: 'usage-service/003-call-prices',
    sql: [
      `ALTER TABLE ${SCHEMA}.calls
         ADD COLUMN price_input_usd_per_mtok numeric NULL,
         ADD COLUMN price_output_usd_per_mtok numeric NULL,
         ADD COLUMN price_cached_usd_per_mtok numeric NULL,
         ADD COLUMN price_source text NULL`,
    ],
  },
];
