import type { EntityManager } from 'typeorm';

/** Anything that runs SQL: the DataSource or a transaction's manager. */
type Sql = Pick<EntityManager, 'query'>;

const SCHEMA = 'usage';

/**
 * The budget period of a call: the month its reservation was taken in, or for a call admitted without one
 * (no budget) the UTC month it started in (`at` is when it ended).
 */
export function callPeriodSql(alias = ''): string {
  const c = alias === '' ? '' : `${alias}.`;
  return `coalesce(${c}budget_period, to_char((${c}at - ${c}latency_ms * interval '1 millisecond') AT TIME ZONE 'UTC', 'YYYY-MM'))`;
}

/**
 * The ledger rows' spend recomputed from the calls and their reservations from the outstanding ones (limits
 * and flags kept); the caller holds the ledger's EXCLUSIVE lock, as the daily rebuild does.
 */
export async function recomputeLedgerSpend(tx: Sql): Promise<void> {
  await tx.query(
    `UPDATE ${SCHEMA}.budget_ledger l SET spent_usd = 0, reserved_usd = coalesce((
       SELECT sum(r.amount_usd) FROM ${SCHEMA}.budget_reservations r
        WHERE r.tenant_id = l.tenant_id AND r.period = l.period
          AND ((l.scope = 'provider' AND r.provider_id = l.subject_id) OR (l.scope = 'agent' AND r.agent_id = l.subject_id))), 0)`,
  );
  await tx.query(
    `INSERT INTO ${SCHEMA}.budget_ledger AS l (tenant_id, scope, subject_id, period, spent_usd)
     SELECT tenant_id, 'provider', provider_id, ${callPeriodSql()}, coalesce(sum(cost_usd), 0) FROM ${SCHEMA}.calls GROUP BY 1, 2, 3, 4
     UNION ALL
     SELECT tenant_id, 'agent', agent_id, ${callPeriodSql()}, coalesce(sum(cost_usd), 0) FROM ${SCHEMA}.calls GROUP BY 1, 2, 3, 4
     ON CONFLICT ON CONSTRAINT budget_ledger_pkey DO UPDATE SET spent_usd = excluded.spent_usd`,
  );
}
