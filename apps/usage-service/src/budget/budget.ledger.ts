import type pg from 'pg';
import type { DataSource } from 'typeorm';
import type { PgEventStore } from '@switchboard/event-store';
import { newId } from '@switchboard/contracts';
import { recordAlert } from '../alerts/alert.recorder.js';
import type {
  BudgetLimit,
  BudgetScope,
  BudgetState,
  LeaseBudgetRequest,
  ReserveBudgetReply,
  ReserveBudgetRequest,
  ReturnLeaseRequest,
} from '@switchboard/contracts';

/** A lease takes at most this share of what its budget has left, so open leases never hold much of it. */
export const LEASE_SHARE = 1 / 16;

const SCHEMA = 'usage';

/** The provider's and the agent's limit as the SQL functions take them: numeric text, or null for none. */
function limitParams(limits: readonly BudgetLimit[]): [string | null, string | null] {
  const of = (scope: BudgetScope) => {
    const limit = limits.find((l) => l.scope === scope);
    return limit === undefined ? null : String(limit.limitUsd);
  };
  return [of('provider'), of('agent')];
}

/** Spend shares of a limit at which a `budget_threshold` alert is raised, once each per period. */
export const BUDGET_ALERT_PERCENTS = [50, 80, 100] as const;

/** One ledger row's key. */
export interface BudgetKey {
  readonly tenantId: string;
  readonly scope: BudgetScope;
  readonly subjectId: string;
  readonly period: string;
}

interface ReserveRow {
  admitted: boolean;
  scope: BudgetScope;
  subject_id: string;
  limit_usd: string | null;
  spent_usd: string | null;
  reserved_usd: string | null;
  exhausted: boolean;
}

interface LedgerRow {
  tenant_id: string;
  scope: BudgetScope;
  subject_id: string;
  period: string;
  limit_usd: string | null;
  spent_usd: string;
  exhausted: boolean;
  alerted_pct: number;
}

/** The highest alert threshold a spend has reached (0 for none); in SQL, the same rule as `reachedPercent`. */
const REACHED_PCT_SQL = `CASE WHEN limit_usd IS NULL THEN 0
  WHEN spent_usd >= limit_usd THEN 100 WHEN spent_usd >= limit_usd * 0.8 THEN 80 WHEN spent_usd >= limit_usd * 0.5 THEN 50 ELSE 0 END`;

export function reachedPercent(limitUsd: number, spentUsd: number): number {
  for (const pct of [...BUDGET_ALERT_PERCENTS].reverse()) if (spentUsd >= (limitUsd * pct) / 100) return pct;
  return 0;
}

/** A ledger row whose events or alerts lag its spend (raised after the statement that moved it). */
export function needsAttention(row: Pick<LedgerRow, 'limit_usd' | 'spent_usd' | 'exhausted' | 'alerted_pct'>): boolean {
  if (row.limit_usd === null) return false;
  const limit = Number(row.limit_usd);
  const spent = Number(row.spent_usd);
  return (spent >= limit && !row.exhausted) || reachedPercent(limit, spent) > row.alerted_pct;
}

/**
 * The budget ledger in usage-service's Postgres: admission (reserve), settlement (with the projection of the
 * call's usage event, see usage.projection.ts), expiry, and the once-per-period events and alerts. Every
 * change of a ledger row's spend or reservations happens under that row's lock, in one statement.
 */
export class BudgetLedger {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: PgEventStore,
    /** Connections for admissions only (see admissionPool); the DataSource's when absent. */
    private readonly admissions: Pick<pg.Pool, 'query'> | null = null,
  ) {}

  /** One round trip for the admission itself; a refusal or restoration then records its event. */
  async reserve(request: ReserveBudgetRequest): Promise<ReserveBudgetReply> {
    const [providerLimit, agentLimit] = limitParams(request.limits);
    const sql = `SELECT * FROM ${SCHEMA}.reserve_budget($1, $2, $3, $4, $5, $6, $7, $8, $9)`;
    const params = [
      request.tenantId,
      request.requestId,
      request.providerId,
      request.agentId,
      request.period,
      String(request.amountUsd),
      providerLimit,
      agentLimit,
      request.ttlMs,
    ];
    const rows = await this.admission<ReserveRow>(sql, params);
    const admitted = rows[0]?.admitted === true;
    const key = (row: ReserveRow): BudgetKey => ({ tenantId: request.tenantId, scope: row.scope, subjectId: row.subject_id, period: request.period });
    if (admitted) {
      // Admitted while marked exhausted: the limit was raised above the spend.
      for (const row of rows) if (row.exhausted && row.limit_usd !== null) await this.reconcile(key(row));
      return { admitted: true };
    }
    const refused = rows.find((row) => {
      if (row.limit_usd === null) return false;
      return Number(row.limit_usd) - Number(row.spent_usd) - Number(row.reserved_usd) < request.amountUsd;
    });
    if (refused === undefined) throw new Error('reserve_budget refused a call without a limit it does not fit under');
    if (!refused.exhausted && Number(refused.spent_usd) >= Number(refused.limit_usd)) await this.reconcile(key(refused));
    const leased: { n: string }[] = await this.dataSource.query(
      `SELECT coalesce(sum(amount_usd), 0)::text AS n FROM ${SCHEMA}.budget_reservations
        WHERE lease AND tenant_id = $1 AND period = $2 AND ${refused.scope === 'provider' ? 'provider_id' : 'agent_id'} = $3`,
      [request.tenantId, request.period, refused.subject_id],
    );
    return {
      admitted: false,
      scope: refused.scope,
      subjectId: refused.subject_id,
      limitUsd: Number(refused.limit_usd),
      spentUsd: Number(refused.spent_usd),
      reservedUsd: Number(refused.reserved_usd),
      leasedUsd: Number(leased[0]?.n ?? 0),
    };
  }

  /** Grants a lease of at most LEASE_SHARE of what the tighter budget has left; 0 when that is under minUsd. */
  async lease(request: LeaseBudgetRequest): Promise<number> {
    const [providerLimit, agentLimit] = limitParams(request.limits);
    const rows = await this.admission<{ granted: string }>(`SELECT ${SCHEMA}.lease_budget($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)::text AS granted`, [
      request.tenantId,
      request.leaseId,
      request.providerId,
      request.agentId,
      request.period,
      String(request.amountUsd),
      String(request.minUsd),
      providerLimit,
      agentLimit,
      request.ttlMs,
      String(LEASE_SHARE),
    ]);
    return Number(rows[0]?.granted ?? 0);
  }

  /** Gives back the part of a lease its gateway did not use; what its calls used comes back as they settle. */
  async returnLease(request: ReturnLeaseRequest): Promise<number> {
    const rows = await this.admission<{ returned: string }>(`SELECT ${SCHEMA}.return_lease($1, $2, $3)::text AS returned`, [
      request.tenantId,
      request.leaseId,
      String(request.unusedUsd),
    ]);
    return Number(rows[0]?.returned ?? 0);
  }

  private async admission<T>(sql: string, params: unknown[]): Promise<T[]> {
    return this.admissions === null ? this.dataSource.query(sql, params) : (await this.admissions.query(sql, params)).rows as T[];
  }

  async state(key: BudgetKey): Promise<BudgetState> {
    const rows: { spent_usd: string; reserved_usd: string; exhausted: boolean }[] = await this.dataSource.query(
      `SELECT spent_usd, reserved_usd, exhausted FROM ${SCHEMA}.budget_ledger
        WHERE tenant_id = $1 AND scope = $2 AND subject_id = $3 AND period = $4`,
      [key.tenantId, key.scope, key.subjectId, key.period],
    );
    const row = rows[0];
    if (row === undefined) return { spentUsd: 0, reservedUsd: 0, exhausted: false };
    return { spentUsd: Number(row.spent_usd), reservedUsd: Math.max(0, Number(row.reserved_usd)), exhausted: row.exhausted };
  }

  /**
   * Releases reservations whose calls never reported (their gateway died mid-call and its usage event was
   * lost). Only those that expired before `projectedUntil`, the time up to which every usage event on the
   * stream has been projected: a reservation whose call ended in time has its event on the stream, so while the
   * projection lags (usage-service was down, events wait for redelivery) nothing it may still settle is
   * released early and spent again. A call whose event arrives after its reservation expired is still charged.
   * Returns how many expired.
   */
  async expire(projectedUntil: Date = new Date()): Promise<number> {
    const rows: { n: number }[] = await this.dataSource.query(
      `WITH expired AS (
         DELETE FROM ${SCHEMA}.budget_reservations WHERE expires_at < least(now(), $1::timestamptz) RETURNING *
       ), per_row AS (
         SELECT tenant_id, 'provider' AS scope, provider_id AS subject_id, period, sum(amount_usd) AS amount FROM expired GROUP BY 1, 2, 3, 4
         UNION ALL
         SELECT tenant_id, 'agent', agent_id, period, sum(amount_usd) FROM expired GROUP BY 1, 2, 3, 4
       ), released AS (
         UPDATE ${SCHEMA}.budget_ledger l SET reserved_usd = l.reserved_usd - p.amount
           FROM per_row p
          WHERE l.tenant_id = p.tenant_id AND l.scope = p.scope AND l.subject_id = p.subject_id AND l.period = p.period
         RETURNING 1
       )
       SELECT count(*)::int AS n FROM expired`,
      [projectedUntil.toISOString()],
    );
    // Leases whose calls have all settled and whose unused part came back hold nothing any more.
    await this.dataSource.query(
      `DELETE FROM ${SCHEMA}.budget_reservations WHERE lease AND amount_usd <= 0 AND reserved_at < now() - interval '1 minute'`,
    );
    return rows[0]?.n ?? 0;
  }

  /** Ledger rows whose events or alerts lag their spend; the periodic sweep reconciles them. */
  async lagging(): Promise<BudgetKey[]> {
    const rows: LedgerRow[] = await this.dataSource.query(
      `SELECT tenant_id, scope, subject_id, period FROM ${SCHEMA}.budget_ledger
        WHERE limit_usd IS NOT NULL AND ((spent_usd >= limit_usd AND NOT exhausted) OR ${REACHED_PCT_SQL} > alerted_pct)
        LIMIT 1000`,
    );
    return rows.map((r) => ({ tenantId: r.tenant_id, scope: r.scope, subjectId: r.subject_id, period: r.period }));
  }

  /**
   * Brings one row's `exhausted` flag and threshold alerts in line with its spend and limit, and records the
   * matching events, all in one transaction under the row's lock: each transition is recorded exactly once
   * however many gateways, projector replicas and sweeps look at the row.
   */
  async reconcile(key: BudgetKey): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      const rows: LedgerRow[] = await tx.query(
        `SELECT * FROM ${SCHEMA}.budget_ledger WHERE tenant_id = $1 AND scope = $2 AND subject_id = $3 AND period = $4 FOR UPDATE`,
        [key.tenantId, key.scope, key.subjectId, key.period],
      );
      const row = rows[0];
      if (row === undefined || row.limit_usd === null) return;
      const limit = Number(row.limit_usd);
      const spent = Number(row.spent_usd);
      const exhausted = spent >= limit;
      const reached = reachedPercent(limit, spent);
      const raised = Math.max(row.alerted_pct, reached);
      const events: { type: 'BudgetExhausted' | 'BudgetRestored'; data: Record<string, unknown> }[] = [];
      const data = { scope: key.scope, subjectId: key.subjectId, period: key.period, limitUsd: limit, spentUsd: spent };
      if (exhausted && !row.exhausted) events.push({ type: 'BudgetExhausted', data });
      if (!exhausted && row.exhausted) events.push({ type: 'BudgetRestored', data });
      if (events.length === 0 && raised === row.alerted_pct) return;
      await tx.query(
        `UPDATE ${SCHEMA}.budget_ledger SET exhausted = $5, alerted_pct = $6
          WHERE tenant_id = $1 AND scope = $2 AND subject_id = $3 AND period = $4`,
        [key.tenantId, key.scope, key.subjectId, key.period, exhausted, raised],
      );
      if (events.length > 0) {
        const streamId = `budget-${key.tenantId}-${key.scope}-${key.subjectId}-${key.period}`;
        const { version } = await this.store.readStream(streamId, tx);
        const appended = await this.store.append(tx, {
          streamId,
          expectedVersion: version,
          tenantId: key.tenantId,
          events: events.map((e) => ({ eventId: newId('event'), type: e.type, data: e.data })),
          metadata: { actor: null },
          at: new Date(),
        });
        if (!appended.ok) throw new Error(`budget stream ${streamId} moved under its ledger row's lock`);
      }
      for (const pct of BUDGET_ALERT_PERCENTS) {
        if (pct <= row.alerted_pct || pct > reached) continue;
        await recordAlert(tx, this.store, {
          tenantId: key.tenantId,
          kind: 'budget_threshold',
          subject: `${key.scope}:${key.subjectId}`,
          detail: { percent: pct, period: key.period, limitUsd: limit, spentUsd: spent },
          dedupeKey: `budget_threshold|${key.scope}:${key.subjectId}|${key.period}|${pct}`,
        });
      }
    });
  }
}
