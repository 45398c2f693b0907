import type { EntityManager } from 'typeorm';
import type { AgentStats, UsageGroupBy, UsageRow, UsageWindow } from '@switchboard/contracts';
import { SCHEMA } from '../projection/usage.migrations.js';

type Sql = Pick<EntityManager, 'query'>;

/** Column expressions per grouping, fixed strings (never caller input) so they may be interpolated. */
const GROUP_KEYS: Readonly<Record<UsageGroupBy, { readonly daily: string; readonly calls: string }>> = {
  provider: { daily: 'provider_id', calls: 'provider_id' },
  model: { daily: 'model', calls: 'model' },
  agent: { daily: 'agent_id', calls: 'agent_id' },
  day: { daily: `to_char(day, 'YYYY-MM-DD')`, calls: `to_char((at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD')` },
};

/** Latencies are shown to the hundredth of a millisecond. */
const LATENCY = (expression: string) => `round((${expression})::numeric, 2)::float8`;

interface UsageRowRecord {
  key: string;
  requests: string;
  errors: string;
  input_tokens: string;
  output_tokens: string;
  cost_usd: string;
  avg_latency_ms: number | null;
  p95_latency_ms: number | null;
}

/**
 * Counts, tokens, cost and the average latency come from the daily aggregates; p95 needs the calls
 * themselves: percentile_cont over every call in the window, exact rather than estimated from buckets, which
 * is fine at this scale (one index range scan per query). Windows are whole UTC days, so both sources cover
 * exactly the same calls.
 */
export async function queryUsage(sql: Sql, tenantId: string, window: UsageWindow, groupBy: UsageGroupBy): Promise<UsageRow[]> {
  const key = GROUP_KEYS[groupBy];
  const rows: UsageRowRecord[] = await sql.query(
    `WITH sums AS (
       SELECT ${key.daily} AS key, sum(requests) AS requests, sum(errors) AS errors, sum(input_tokens) AS input_tokens,
              sum(output_tokens) AS output_tokens, sum(cost_usd) AS cost_usd, sum(latency_sum_ms) / sum(requests) AS avg_latency
         FROM ${SCHEMA}.daily
        WHERE tenant_id = $1 AND day >= $2::date AND day < $3::date
        GROUP BY 1),
     latencies AS (
       SELECT ${key.calls} AS key, percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms::float8) AS p95
         FROM ${SCHEMA}.calls
        WHERE tenant_id = $1 AND at >= $2::date::timestamp AT TIME ZONE 'UTC' AND at < $3::date::timestamp AT TIME ZONE 'UTC'
        GROUP BY 1)
     SELECT sums.key, requests::text, errors::text, input_tokens::text, output_tokens::text, cost_usd::text,
            ${LATENCY('avg_latency')} AS avg_latency_ms, ${LATENCY('latencies.p95')} AS p95_latency_ms
       FROM sums LEFT JOIN latencies ON latencies.key = sums.key
      ORDER BY sums.key`,
    [tenantId, window.from, window.to],
  );
  return rows.map((row) => ({
    key: row.key,
    requests: Number(row.requests),
    errors: Number(row.errors),
    inputTokens: Number(row.input_tokens),
    outputTokens: Number(row.output_tokens),
    costUsd: Number(row.cost_usd),
    avgLatencyMs: row.avg_latency_ms,
    p95LatencyMs: row.p95_latency_ms,
  }));
}

interface AgentStatsRecord {
  requests: string | null;
  errors: string | null;
  input_tokens: string | null;
  output_tokens: string | null;
  cost_usd: string | null;
  avg_latency_ms: number | null;
  p95_latency_ms: number | null;
  last_request_at: Date | null;
}

/** Over all the agent's calls, from the aggregates; p95 and the last call from the calls (exact, as above). */
export async function agentStats(sql: Sql, tenantId: string, agentId: string): Promise<AgentStats> {
  const [row]: AgentStatsRecord[] = await sql.query(
    `SELECT s.requests::text, s.errors::text, s.input_tokens::text, s.output_tokens::text, s.cost_usd::text,
            ${LATENCY('s.latency_sum_ms / nullif(s.requests, 0)')} AS avg_latency_ms,
            ${LATENCY('c.p95')} AS p95_latency_ms, c.last_request_at
       FROM (SELECT sum(requests) AS requests, sum(errors) AS errors, sum(input_tokens) AS input_tokens,
                    sum(output_tokens) AS output_tokens, sum(cost_usd) AS cost_usd, sum(latency_sum_ms) AS latency_sum_ms
               FROM ${SCHEMA}.daily WHERE tenant_id = $1 AND agent_id = $2) s,
            (SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms::float8) AS p95, max(at) AS last_request_at
               FROM ${SCHEMA}.calls WHERE tenant_id = $1 AND agent_id = $2) c`,
    [tenantId, agentId],
  );
  const count = (value: string | null | undefined) => Number(value ?? 0);
  const inputTokens = count(row?.input_tokens);
  const outputTokens = count(row?.output_tokens);
  return {
    totalTokens: inputTokens + outputTokens,
    inputTokens,
    outputTokens,
    costUsd: count(row?.cost_usd),
    requests: count(row?.requests),
    errors: count(row?.errors),
    avgLatencyMs: row?.avg_latency_ms ?? null,
    p95LatencyMs: row?.p95_latency_ms ?? null,
    lastRequestAt: row?.last_request_at ? row.last_request_at.toISOString() : null,
  };
}
