import { newId, roundUsd, type BudgetLimit } from '@switchboard/contracts';
import type { Logger } from '@switchboard/telemetry';
import type { BudgetLedger } from './budget.ledger.js';

/** The budget a lease is drawn for: one agent's calls on one provider in one month, under given limits. */
export interface LeaseScope {
  readonly tenantId: string;
  readonly providerId: string;
  readonly agentId: string;
  readonly period: string;
  readonly limits: readonly BudgetLimit[];
}

/** What a call admitted under a lease carries in its usage event. */
export interface LeasedAdmission {
  readonly leaseId: string;
  readonly reservedUsd: number;
}

export interface BudgetLeasesOptions {
  readonly ledger: BudgetLedger;
  readonly logger: Logger;
  /** How long a lease admits calls before its unused part goes back (default 1 s). */
  readonly lifetimeMs?: number;
  /** When a lease (and what its calls used) is released if this gateway dies (the reservations' TTL). */
  readonly ttlMs: number;
  /**
   * A first lease is asked for this many calls' worst case (more for busier budgets) and is of no use under a
   * quarter of it (default 64).
   */
  readonly leaseCalls?: number;
  readonly now?: () => number;
}

interface Lease {
  readonly id: string;
  readonly tenantId: string;
  readonly period: string;
  readonly limits: string;
  readonly granted: number;
  remaining: number;
  readonly grantedAt: number;
  readonly usableUntil: number;
}

/** Upper bound of a lease's size in calls, however busy the budget. */
const MAX_LEASE_CALLS = 16_384;

interface KeyState {
  lease: Lease | null;
  /** Calls' worst cases the next lease is asked for: doubled while leases run out within their lifetime. */
  size: number;
  requesting: boolean;
  /** No lease is asked for before then: the last ask was refused (the budget is near its limit). */
  quietUntil: number;
  /** Times of recent calls that had to reserve on their own. */
  slow: number[];
}

/**
 * Budget leases: far from a budget's limit, a busy agent's calls are admitted from a lease this gateway holds
 * instead of one ledger round trip each. A lease is itself a reservation in usage-service's ledger, granted
 * only up to a sixteenth of what the budget has left and only when that covers many calls, so near a limit
 * there are no leases and every call is reserved on its own, exactly. A lease admits calls for a second, then
 * its unused part is returned; what its calls used is released as each call's usage event settles it.
 *
 * The price of the speed is at the edge: a call refused by the ledger while other gateways' leases still hold
 * unused budget would have fitted a second later. The admission retries such a call once, after the leases'
 * lifetime (see BudgetAdmission), so that only delays it.
 */
export class BudgetLeases {
  private readonly keys = new Map<string, KeyState>();
  private readonly lifetimeMs: number;
  private readonly leaseCalls: number;
  private readonly now: () => number;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: BudgetLeasesOptions) {
    this.lifetimeMs = options.lifetimeMs ?? 1_000;
    this.leaseCalls = options.leaseCalls ?? 64;
    this.now = options.now ?? Date.now;
  }

  get lifetime(): number {
    return this.lifetimeMs;
  }

  /** Admits a call from an open lease of its scope that still covers its worst case; null when none does. */
  take(scope: LeaseScope, amountUsd: number): LeasedAdmission | null {
    const state = this.keys.get(keyOf(scope));
    const lease = state?.lease ?? null;
    if (state === undefined || lease === null) return null;
    if (lease.period !== scope.period || lease.limits !== limitsOf(scope) || this.now() >= lease.usableUntil) {
      this.retire(state, lease);
      return null;
    }
    if (lease.remaining < amountUsd) return null;
    lease.remaining = roundUsd(lease.remaining - amountUsd);
    // Running low: the next lease is asked for now, so calls do not fall back to the round trip; one that runs
    // low within half its lifetime was too small for this budget's pace.
    if (lease.remaining < lease.granted / 4) {
      if (!state.requesting && this.now() - lease.grantedAt < this.lifetimeMs / 2) state.size = Math.min(state.size * 2, MAX_LEASE_CALLS);
      this.request(scope, state, amountUsd);
    }
    return { leaseId: lease.id, reservedUsd: amountUsd };
  }

  /** A call of this scope was reserved on its own: a scope with a steady stream of calls gets a lease. */
  noteReserved(scope: LeaseScope, amountUsd: number): void {
    const key = keyOf(scope);
    let state = this.keys.get(key);
    if (state === undefined) {
      state = { lease: null, size: this.leaseCalls, requesting: false, quietUntil: 0, slow: [] };
      this.keys.set(key, state);
    }
    const now = this.now();
    state.slow = state.slow.filter((t) => now - t < 1_000);
    state.slow.push(now);
    if (state.slow.length >= 2) this.request(scope, state, amountUsd);
  }

  /** The leases of a scope go back now (a refusal that leases may have caused, or a changed route). */
  release(scope: LeaseScope): void {
    const state = this.keys.get(keyOf(scope));
    if (state?.lease) this.retire(state, state.lease);
  }

  /** Gives back every unused lease (the gateway is stopping). */
  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const returns: Promise<void>[] = [];
    for (const state of this.keys.values()) if (state.lease) returns.push(this.retire(state, state.lease));
    await Promise.all(returns);
  }

  private request(scope: LeaseScope, state: KeyState, callUsd: number): void {
    if (state.requesting || this.now() < state.quietUntil) return;
    state.requesting = true;
    const leaseId = newId('request');
    const amountUsd = roundUsd(callUsd * state.size);
    void this.options.ledger
      .lease({
        tenantId: scope.tenantId,
        leaseId,
        providerId: scope.providerId,
        agentId: scope.agentId,
        period: scope.period,
        amountUsd,
        minUsd: roundUsd((callUsd * this.leaseCalls) / 4),
        limits: [...scope.limits],
        ttlMs: this.options.ttlMs,
      })
      .then((result) => {
        if (!result.ok) {
          this.options.logger.warn('budget lease not obtained', { providerId: scope.providerId, code: result.error.code });
          return;
        }
        if (result.value.grantedUsd <= 0) {
          // Near the limit: calls are reserved one by one, without a lease request beside each of them.
          state.quietUntil = this.now() + 5 * this.lifetimeMs;
          return;
        }
        const previous = state.lease;
        state.lease = {
          id: leaseId,
          tenantId: scope.tenantId,
          period: scope.period,
          limits: limitsOf(scope),
          granted: result.value.grantedUsd,
          remaining: result.value.grantedUsd,
          grantedAt: this.now(),
          usableUntil: this.now() + this.lifetimeMs,
        };
        if (previous !== null) void this.retire(state, previous);
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          const lease = state.lease;
          if (lease?.id === leaseId) void this.retire(state, lease);
        }, this.lifetimeMs);
        timer.unref();
        this.timers.add(timer);
      })
      .finally(() => {
        state.requesting = false;
      });
  }

  /** No more calls from this lease; its unused part goes back to the budget. */
  private async retire(state: KeyState, lease: Lease): Promise<void> {
    if (state.lease === lease) state.lease = null;
    const unusedUsd = lease.remaining;
    lease.remaining = 0;
    if (unusedUsd <= 0) return;
    const result = await this.options.ledger.returnLease({ tenantId: lease.tenantId, leaseId: lease.id, unusedUsd });
    // Not returned: the ledger releases it when the lease expires; until then the budget holds it.
    if (!result.ok) this.options.logger.warn('budget lease not returned; it expires instead', { code: result.error.code });
  }
}

const keyOf = (scope: LeaseScope) => `${scope.tenantId}|${scope.providerId}|${scope.agentId}`;
const limitsOf = (scope: LeaseScope) => scope.limits.map((l) => `${l.scope}:${l.subjectId}:${l.limitUsd}`).join(',');
