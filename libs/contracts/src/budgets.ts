import { z } from 'zod';
import { Actor } from './access.js';
import { Id } from './common.js';
import { defineOperation } from './operation.js';
import { fromGateway } from './service-access.js';

/**
 * Monthly budgets. A budget period is a UTC calendar month, `YYYY-MM`, taken when the call is admitted: a call
 * that starts on the 31st at 23:59 counts against that month even if it ends in the next one.
 */
export const BudgetPeriod = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month like 2025-01');
export type BudgetPeriod = z.infer<typeof BudgetPeriod>;

export const BudgetScope = z.enum(['provider', 'agent']);
export type BudgetScope = z.infer<typeof BudgetScope>;

/** The UTC month of an instant. */
export function budgetPeriodOf(at: Date): string {
  return at.toISOString().slice(0, 7);
}

/** First instant of a period, ISO-8601 UTC. */
export function periodStartOf(period: string): string {
  return `${period}-01T00:00:00.000Z`;
}

/**
 * USD amounts cross the bus and reach Postgres `numeric` as decimal text; rounding to 1e-12 USD keeps binary
 * float noise (0.1 + 0.2) out of sums that are compared against a budget, far below any real price.
 */
export function roundUsd(usd: number): number {
  return Math.round(usd * 1e12) / 1e12;
}

/** A limit the call must fit under; only scopes with a budget are listed. */
export const BudgetLimit = z.object({ scope: BudgetScope, subjectId: Id, limitUsd: z.number().finite().min(0) });
export type BudgetLimit = z.infer<typeof BudgetLimit>;

/** Whose budgets an admission draws on, for which month, under which limits, and until when at most. */
const AdmissionScope = {
  tenantId: Id,
  providerId: Id,
  agentId: Id,
  period: BudgetPeriod,
  limits: z.array(BudgetLimit).min(1).max(2),
  ttlMs: z.number().int().min(1_000).max(24 * 3_600_000),
};

/**
 * The proxy's admission: reserve the call's worst-case cost against its provider's (and agent's) budget for
 * the period. The reservation is keyed by the call's request id and settled by usage-service when the call's
 * `usage.recorded` event is projected (its real cost replaces the reserved maximum), or released when it
 * expires (a gateway that died mid-call).
 */
export const ReserveBudgetRequest = z.object({
  ...AdmissionScope,
  requestId: z.string().min(1).max(64),
  amountUsd: z.number().finite().min(0),
});
export type ReserveBudgetRequest = z.infer<typeof ReserveBudgetRequest>;

export const ReserveBudgetReply = z.discriminatedUnion('admitted', [
  z.object({ admitted: z.literal(true) }),
  z.object({
    admitted: z.literal(false),
    scope: BudgetScope,
    subjectId: z.string(),
    limitUsd: z.number(),
    spentUsd: z.number(),
    reservedUsd: z.number(),
    /** Of reservedUsd, what open leases hold (some of it may be unused and come back within a second). */
    leasedUsd: z.number().optional(),
  }),
]);
export type ReserveBudgetReply = z.infer<typeof ReserveBudgetReply>;

/**
 * A lease: a reservation a gateway takes ahead of demand and admits calls from locally, so calls far from a
 * budget's limit pay no round trip. usage-service grants at most a small share of what the budget has left
 * (none near the limit, where every call is reserved on its own); calls admitted under a lease carry its id
 * and their reserved maximum in their usage event, and their settlement takes that maximum off the lease; the
 * gateway returns the part it did not use.
 */
export const LeaseBudgetRequest = z.object({
  ...AdmissionScope,
  leaseId: z.string().min(1).max(64),
  /** What the gateway would like; it may get less. */
  amountUsd: z.number().finite().positive(),
  /** Less than this is of no use (a few calls' worst case): then nothing is granted. */
  minUsd: z.number().finite().positive(),
});
export type LeaseBudgetRequest = z.infer<typeof LeaseBudgetRequest>;

export const LeaseBudgetReply = z.object({ grantedUsd: z.number().min(0) });

export const ReturnLeaseRequest = z.object({ tenantId: Id, leaseId: z.string().min(1).max(64), unusedUsd: z.number().finite().min(0) });
export type ReturnLeaseRequest = z.infer<typeof ReturnLeaseRequest>;

/** GET /v1/providers/:id/budget (API.md). With no budget set, the limit and remainder are null. */
export const BudgetView = z.object({
  monthlyBudgetUsd: z.number().nullable(),
  spentUsd: z.number(),
  reservedUsd: z.number(),
  remainingUsd: z.number().nullable(),
  exhausted: z.boolean(),
  periodStart: z.string(),
});
export type BudgetView = z.infer<typeof BudgetView>;

/** What usage-service knows of a budget's period: spend and outstanding reservations. */
export const BudgetState = z.object({ spentUsd: z.number(), reservedUsd: z.number(), exhausted: z.boolean() });
export type BudgetState = z.infer<typeof BudgetState>;

/** The view from the ledger's state and the limit the caller read from the provider or agent. */
export function budgetView(limitUsd: number | null, state: BudgetState, period: string): BudgetView {
  const remaining = limitUsd === null ? null : roundUsd(Math.max(0, limitUsd - state.spentUsd - state.reservedUsd));
  return {
    monthlyBudgetUsd: limitUsd,
    spentUsd: state.spentUsd,
    reservedUsd: state.reservedUsd,
    remainingUsd: remaining,
    exhausted: limitUsd !== null && (state.exhausted || state.spentUsd >= limitUsd),
    periodStart: periodStartOf(period),
  };
}

export const BudgetOps = {
  /** Internal (the gateway's proxy); tenant and ids come from the gateway's own route, not from a client. */
  reserve: defineOperation('usage.v1.budget-reserve', ReserveBudgetRequest, ReserveBudgetReply, fromGateway),
  /** Internal (the gateway's proxy), like reserve. */
  lease: defineOperation('usage.v1.budget-lease', LeaseBudgetRequest, LeaseBudgetReply, fromGateway),
  returnLease: defineOperation('usage.v1.budget-lease-return', ReturnLeaseRequest, z.object({ returnedUsd: z.number() }), fromGateway),
  /** The ledger's state for one budget and period (admin and member keys). */
  state: defineOperation(
    'usage.v1.budget-state',
    z.object({ actor: Actor, scope: BudgetScope, subjectId: Id, period: BudgetPeriod }),
    BudgetState,
    fromGateway,
  ),
} as const;
