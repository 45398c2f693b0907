import type pg from 'pg';
import { attemptKeyOf } from '@switchboard/contracts';
import type { EntityManager } from 'typeorm';
import { callPeriodSql, recomputeLedgerSpend } from '../budget/budget.spend.js';
import { SCHEMA } from './usage.migrations.js';
import type { UsageRecordedMessage } from './usage-recorded.message.js';

/** Anything that runs SQL: the DataSource or a transaction's manager. */
type Sql = Pick<EntityManager, 'query'>;

/** The UTC day a call counts for; the one expression both the live projection and a rebuild use. */
const UTC_DAY = `(at AT TIME ZONE 'UTC')::date`;

/** The daily columns and how a set of calls sums into them (live: one call; rebuild: a whole group). */
const DAILY_COLUMNS = `tenant_id, day, provider_id, model, agent_id, requests, errors, input_tokens, output_tokens, cached_tokens, cost_usd, latency_sum_ms`;
const DAILY_SUMS = `tenant_id, ${UTC_DAY}, provider_id, model, agent_id,
  count(*), count(*) FILTER (WHERE status >= 400), sum(input_tokens), sum(output_tokens), sum(cached_tokens),
  coalesce(sum(cost_usd), 0), sum(latency_ms)`;

const CALL_COLUMNS = `request_id, tenant_id, agent_id, provider_id, model, protocol, stream, status,
    error_kind, input_tokens, output_tokens, cached_tokens, cost_usd, latency_ms, ttfb_ms, at,
    price_input_usd_per_mtok, price_output_usd_per_mtok, price_cached_usd_per_mtok, price_source, lease_id, lease_reserved_usd`;
const CALL_VALUES = `$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22`;
const INSERT_CALL = `INSERT INTO ${SCHEMA}.calls (${CALL_COLUMNS}) VALUES (${CALL_VALUES}) ON CONFLICT (request_id) DO NOTHING`;

/**
 * The key of a call's row: its request id, or `<requestId>-<n>` for the n-th failover attempt, as the gateway keys
 * the attempt's event id and budget reservation. Every attempt is a row of its own (each reached, or was refused by,
 * a provider of its own), and a redelivered event still finds its row.
 */
export function callKeyOf(call: Pick<UsageRecordedMessage, 'requestId' | 'attempt'>): string {
  return attemptKeyOf(call.requestId, call.attempt);
}

function callParams(call: UsageRecordedMessage): unknown[] {
  const { price } = call;
  return [
    callKeyOf(call),
    call.tenantId,
    call.agentId,
    call.providerId,
    call.model,
    call.protocol,
    call.stream,
    call.status,
    call.errorKind ?? null,
    call.inputTokens,
    call.outputTokens,
    call.cachedTokens,
    // Numbers travel as their shortest decimal text, so numeric columns store exactly what was sent.
    call.costUsd === undefined ? null : String(call.costUsd),
    String(call.latencyMs),
    call.ttfbMs === null ? null : String(call.ttfbMs),
    call.at,
    price === undefined ? null : String(price.inputUsdPerMTok),
    price === undefined ? null : String(price.outputUsdPerMTok),
    price === undefined ? null : String(price.cachedInputUsdPerMTok),
    price?.source ?? null,
    call.budgetLease?.leaseId ?? null,
    call.budgetLease === undefined ? null : String(call.budgetLease.reservedUsd),
  ];
}

/** A budget ledger row the call was charged to, as it stands after the charge. */
export interface ChargedLedgerRow {
  readonly tenant_id: string;
  readonly scope: 'provider' | 'agent';
  readonly subject_id: string;
  readonly period: string;
  readonly limit_usd: string | null;
  readonly spent_usd: string;
  readonly exhausted: boolean;
  readonly alerted_pct: number;
}

/** What projecting a batch of calls did. */
export interface ProjectedBatch {
  /** Keys (callKeyOf) of the calls that were new; the others had been projected before (redeliveries). */
  readonly added: ReadonlySet<string>;
  /** The budget ledger rows the batch charged or released, as they stand after it. */
  readonly ledger: readonly ChargedLedgerRow[];
}

/** The columns of usage.calls a usage event fills, with the types JSON input is read as. */
const CALL_RECORD = `request_id text, tenant_id text, agent_id text, provider_id text, model text, protocol text,
  stream boolean, status integer, error_kind text, input_tokens bigint, output_tokens bigint, cached_tokens bigint,
  cost_usd numeric, latency_ms numeric, ttfb_ms numeric, at timestamptz, price_input_usd_per_mtok numeric,
  price_output_usd_per_mtok numeric, price_cached_usd_per_mtok numeric, price_source text, lease_id text,
  lease_reserved_usd numeric`;

const CALL_COLUMN_NAMES = CALL_COLUMNS.split(',').map((column) => column.trim());

function callRecord(call: UsageRecordedMessage): Record<string, unknown> {
  const values = callParams(call);
  const record: Record<string, unknown> = {};
  for (let i = 0; i < CALL_COLUMN_NAMES.length; i++) record[CALL_COLUMN_NAMES[i] as string] = values[i];
  return record;
}

/**
 * Where a batch is written: a pool whose connections each prepare the statement once (a named statement). Parsing
 * and planning the statement cost Postgres about as much CPU as executing it for a dozen calls, per batch.
 */
export type ProjectionSql = Pick<pg.Pool, 'query'>;

/** The name the batch statement is prepared under on each connection; its text never changes. */
const PROJECT_CALLS_STATEMENT = 'usage_project_calls';

/**
 * Projects a batch of calls in one statement (hence one transaction and one WAL flush): records each call,
 * adds them to their days' aggregates, and settles their budget reservations. The call row is the
 * processed-message marker, so a redelivered event inserts, adds and charges nothing. Settlement deletes a
 * call's reservation (if it still holds one) or takes the call's reserved maximum off the lease it was admitted
 * under (if that is still open), releasing the maximum, and adds the call's real cost to
 * the provider's and agent's spend for the period; a failed or aborted call costs what the upstream reported,
 * usually nothing. Ledger rows are locked provider rows first, as admissions lock them. Concurrent replicas
 * are safe: the upserts serialise on their rows, and a second insert of the same request id waits for the
 * first and then does nothing.
 */
export async function projectCalls(sql: ProjectionSql, calls: readonly UsageRecordedMessage[]): Promise<ProjectedBatch> {
  if (calls.length === 0) return { added: new Set(), ledger: [] };
  const { rows } = await sql.query<{ inserted: string[] | null; ledger: ChargedLedgerRow[] | null }>({
    name: PROJECT_CALLS_STATEMENT,
    text: PROJECT_CALLS,
    values: [JSON.stringify(calls.map(callRecord))],
  });
  const row = rows[0];
  return { added: new Set(row?.inserted ?? []), ledger: row?.ledger ?? [] };
}

const PROJECT_CALLS = `WITH input AS (
       SELECT DISTINCT ON (request_id) * FROM json_to_recordset($1::json) AS x(${CALL_RECORD}) ORDER BY request_id
     ),
     released AS (
       DELETE FROM ${SCHEMA}.budget_reservations r USING input i WHERE r.request_id = i.request_id
       RETURNING r.request_id, r.tenant_id, r.provider_id, r.agent_id, r.period, r.amount_usd
     ),
     inserted AS (
       INSERT INTO ${SCHEMA}.calls (${CALL_COLUMNS}, budget_period)
       SELECT ${CALL_COLUMNS.split(',').map((c) => `i.${c.trim()}`).join(', ')}, coalesce(rel.period, lease.period)
         FROM input i
         LEFT JOIN released rel ON rel.request_id = i.request_id
         LEFT JOIN ${SCHEMA}.budget_reservations lease ON lease.request_id = i.lease_id AND lease.lease
       ON CONFLICT (request_id) DO NOTHING RETURNING *
     ),
     added AS (
       INSERT INTO ${SCHEMA}.daily (${DAILY_COLUMNS})
       SELECT ${DAILY_SUMS} FROM inserted GROUP BY tenant_id, ${UTC_DAY}, provider_id, model, agent_id
       ON CONFLICT (tenant_id, day, provider_id, model, agent_id) DO UPDATE SET
         requests = daily.requests + excluded.requests,
         errors = daily.errors + excluded.errors,
         input_tokens = daily.input_tokens + excluded.input_tokens,
         output_tokens = daily.output_tokens + excluded.output_tokens,
         cached_tokens = daily.cached_tokens + excluded.cached_tokens,
         cost_usd = daily.cost_usd + excluded.cost_usd,
         latency_sum_ms = daily.latency_sum_ms + excluded.latency_sum_ms
       RETURNING 1
     ),
     lease_use AS (
       SELECT lease_id, sum(lease_reserved_usd) AS used FROM inserted WHERE lease_id IS NOT NULL GROUP BY lease_id
     ),
     lease_released AS (
       UPDATE ${SCHEMA}.budget_reservations r SET amount_usd = r.amount_usd - u.used
         FROM lease_use u
        WHERE r.request_id = u.lease_id AND r.lease
       RETURNING r.tenant_id, r.provider_id, r.agent_id, r.period, u.used
     ),
     moves AS (
       SELECT tenant_id, provider_id, agent_id, ${callPeriodSql()} AS period, coalesce(cost_usd, 0) AS cost, 0 AS released FROM inserted
       UNION ALL
       SELECT tenant_id, provider_id, agent_id, period, 0, amount_usd FROM released
       UNION ALL
       SELECT tenant_id, provider_id, agent_id, period, 0, used FROM lease_released
     ),
     charged AS (
       INSERT INTO ${SCHEMA}.budget_ledger AS l (tenant_id, scope, subject_id, period, spent_usd, reserved_usd)
       SELECT tenant_id, scope, subject_id, period, sum(cost), -sum(released) FROM (
         SELECT tenant_id, 'provider' AS scope, provider_id AS subject_id, period, cost, released FROM moves
         UNION ALL
         SELECT tenant_id, 'agent', agent_id, period, cost, released FROM moves
       ) m
       GROUP BY tenant_id, scope, subject_id, period
       ORDER BY scope = 'agent', tenant_id, subject_id, period
       ON CONFLICT ON CONSTRAINT budget_ledger_pkey DO UPDATE SET
         spent_usd = l.spent_usd + excluded.spent_usd,
         reserved_usd = l.reserved_usd + excluded.reserved_usd
       RETURNING l.tenant_id, l.scope, l.subject_id, l.period, l.limit_usd, l.spent_usd, l.exhausted, l.alerted_pct
     )
     SELECT (SELECT json_agg(request_id) FROM inserted) AS inserted, (SELECT json_agg(charged) FROM charged) AS ledger`;

/** Records a call only (stream replay): the aggregates are recomputed from all calls afterwards. */
export async function recordCallOnly(sql: Sql, call: UsageRecordedMessage): Promise<boolean> {
  const rows: unknown[] = await sql.query(`${INSERT_CALL} RETURNING 1`, callParams(call));
  return rows.length > 0;
}

/**
 * Replaces every aggregate with one recomputed from the calls. The EXCLUSIVE lock is taken before the calls
 * are read and blocks the live projection's upserts (not readers) until commit: a call committed before the
 * lock is in the recount, one still in flight adds itself to the new aggregate once the lock is released.
 * So it is safe with the service running. Returns the number of calls counted.
 */
export async function recomputeDailyAggregates(sql: Pick<EntityManager, 'transaction'>): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await recomputeOnce(sql);
    } catch (error) {
      // A live projection that took the ledger's lock before the daily one: Postgres picks a victim.
      if ((error as { code?: string }).code !== DEADLOCK_DETECTED || attempt >= 5) throw error;
    }
  }
}

const DEADLOCK_DETECTED = '40P01';

function recomputeOnce(sql: Pick<EntityManager, 'transaction'>): Promise<number> {
  return sql.transaction(async (tx) => {
    await tx.query(`LOCK TABLE ${SCHEMA}.daily, ${SCHEMA}.budget_ledger IN EXCLUSIVE MODE`);
    await tx.query(`DELETE FROM ${SCHEMA}.daily`);
    await tx.query(
      `INSERT INTO ${SCHEMA}.daily (${DAILY_COLUMNS})
       SELECT ${DAILY_SUMS} FROM ${SCHEMA}.calls GROUP BY tenant_id, ${UTC_DAY}, provider_id, model, agent_id`,
    );
    await recomputeLedgerSpend(tx);
    const [counted] = (await tx.query(`SELECT coalesce(sum(requests), 0)::bigint AS n FROM ${SCHEMA}.daily`)) as { n: string }[];
    return Number(counted?.n ?? 0);
  });
}
