import type { EntityManager } from 'typeorm';
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

const INSERT_CALL = `INSERT INTO ${SCHEMA}.calls (request_id, tenant_id, agent_id, provider_id, model, protocol, stream, status,
    error_kind, input_tokens, output_tokens, cached_tokens, cost_usd, latency_ms, ttfb_ms, at,
    price_input_usd_per_mtok, price_output_usd_per_mtok, price_cached_usd_per_mtok, price_source)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
  ON CONFLICT (request_id) DO NOTHING`;

function callParams(call: UsageRecordedMessage): unknown[] {
  const { price } = call;
  return [
    call.requestId,
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
  ];
}

/**
 * Records one call and adds it to its day's aggregate, in one statement (hence one transaction): the call
 * row is the processed-message marker, so a redelivered event inserts nothing and adds nothing. Concurrent
 * replicas are safe: the upsert serialises on the aggregate row, a second insert of the same request id
 * waits for the first and then does nothing. Returns whether the call was new.
 */
export async function projectCall(sql: Sql, call: UsageRecordedMessage): Promise<boolean> {
  const rows: { inserted: number }[] = await sql.query(
    `WITH inserted AS (${INSERT_CALL} RETURNING *),
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
     )
     SELECT count(*)::int AS inserted FROM inserted`,
    callParams(call),
  );
  return (rows[0]?.inserted ?? 0) > 0;
}

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
  return sql.transaction(async (tx) => {
    await tx.query(`LOCK TABLE ${SCHEMA}.daily IN EXCLUSIVE MODE`);
    await tx.query(`DELETE FROM ${SCHEMA}.daily`);
    await tx.query(
      `INSERT INTO ${SCHEMA}.daily (${DAILY_COLUMNS})
       SELECT ${DAILY_SUMS} FROM ${SCHEMA}.calls GROUP BY tenant_id, ${UTC_DAY}, provider_id, model, agent_id`,
    );
    const [counted] = (await tx.query(`SELECT coalesce(sum(requests), 0)::bigint AS n FROM ${SCHEMA}.daily`)) as { n: string }[];
    return Number(counted?.n ?? 0);
  });
}
