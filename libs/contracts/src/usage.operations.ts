import { z } from 'zod';
import { Actor } from './access.js';
import { Id } from './common.js';
import { defineOperation } from './operation.js';
import { fromGateway } from './service-access.js';
import { appError, fail, ok, type Result, type AppError } from './result.js';

export const UsageGroupBy = z.enum(['provider', 'model', 'agent', 'day']);
export type UsageGroupBy = z.infer<typeof UsageGroupBy>;

/** A calendar date `YYYY-MM-DD` (UTC); usage is bucketed by UTC day, so a window is whole days. */
export const UsageDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2025-01-31')
  .refine((date) => {
    const parsed = new Date(`${date}T00:00:00Z`);
    return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(date);
  }, 'must be a real calendar date');

/** Longest window one query may cover: a leap year. */
export const MAX_USAGE_WINDOW_DAYS = 366;
const DAY_MS = 86_400_000;

/** The half-open UTC window [from, to) a usage query covers, as `YYYY-MM-DD` days. */
export interface UsageWindow {
  readonly from: string;
  readonly to: string;
}

const dayOf = (date: Date) => date.toISOString().slice(0, 10);

/**
 * Resolves a window: `from` defaults to the first day of the current UTC month, `to` (exclusive) to the first
 * day of the next one. The same rule runs in the gateway (a clear 400 without a bus round trip) and in
 * usage-service (which trusts no caller). Dates must already be valid `UsageDate`s.
 */
export function resolveUsageWindow(from: string | undefined, to: string | undefined, now: Date): Result<UsageWindow, AppError> {
  const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const nextMonthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  const window = { from: from ?? dayOf(new Date(monthStart)), to: to ?? dayOf(new Date(nextMonthStart)) };
  const span = Date.parse(`${window.to}T00:00:00Z`) - Date.parse(`${window.from}T00:00:00Z`);
  if (span <= 0) return fail(appError('validation_failed', `to (${window.to}, exclusive) must be after from (${window.from})`));
  if (span > MAX_USAGE_WINDOW_DAYS * DAY_MS) {
    return fail(appError('validation_failed', `from ${window.from} to ${window.to} spans more than ${MAX_USAGE_WINDOW_DAYS} days`));
  }
  return ok(window);
}

/**
 * One row of GET /v1/usage. `key` is the provider id, model name, agent id or day (`YYYY-MM-DD`).
 * Latencies are over the calls in the window; null only when the calls behind an aggregate are gone.
 */
export const UsageRow = z.object({
  key: z.string(),
  requests: z.number().int(),
  errors: z.number().int(),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  costUsd: z.number(),
  avgLatencyMs: z.number().nullable(),
  p95LatencyMs: z.number().nullable(),
});
export type UsageRow = z.infer<typeof UsageRow>;

/** GET /v1/agents/:id/stats, over all the agent's calls; latencies and lastRequestAt are null before its first call. */
export const AgentStats = z.object({
  totalTokens: z.number().int(),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  costUsd: z.number(),
  requests: z.number().int(),
  errors: z.number().int(),
  avgLatencyMs: z.number().nullable(),
  p95LatencyMs: z.number().nullable(),
  lastRequestAt: z.string().nullable(),
});
export type AgentStats = z.infer<typeof AgentStats>;

/**
 * usage-service answers from its projections of `usage.recorded`. agentStats does not know whether the agent
 * exists (that is providers-service's): the gateway asks ProvidersOps.getAgent first, so an unknown or
 * foreign agent is a 404 rather than zeros.
 */
export const UsageOps = {
  query: defineOperation(
    'usage.v1.query',
    z.object({ actor: Actor, from: UsageDate.optional(), to: UsageDate.optional(), groupBy: UsageGroupBy }),
    z.object({ data: z.array(UsageRow) }),
    fromGateway,
  ),
  agentStats: defineOperation('usage.v1.agent-stats', z.object({ actor: Actor, agentId: Id }), AgentStats, fromGateway),
} as const;
