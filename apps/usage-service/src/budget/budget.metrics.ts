import type { DataSource } from 'typeorm';
import { budgetPeriodOf } from '@switchboard/contracts';
import { processGauge } from '@switchboard/telemetry';

const SCHEMA = 'usage';

/** Budgets reported one by one, the most used first; the rest are counted only in the totals. */
export const DEFAULT_MAX_BUDGET_SERIES = 200;

interface BudgetRow {
  readonly scope: 'provider' | 'agent';
  readonly subject_id: string;
  readonly spent: string;
  readonly reserved: string;
  readonly limit_usd: string;
}

interface BudgetSnapshot {
  readonly rows: readonly BudgetRow[];
  readonly exhausted: { readonly provider: number; readonly agent: number };
}

let source: { readonly dataSource: DataSource; readonly maxSeries: number; readonly now: () => Date } | null = null;
let snapshot: { readonly at: number; readonly value: Promise<BudgetSnapshot | null> } | null = null;
const SNAPSHOT_TTL_MS = 1_000;

/**
 * This month's budgets with a limit, from the ledger (the limit is the one the last admission was checked against:
 * the provider or agent holds the real one, and a changed limit shows here with the next call).
 */
async function readSnapshot(): Promise<BudgetSnapshot | null> {
  if (source === null || !source.dataSource.isInitialized) return null;
  const period = budgetPeriodOf(source.now());
  try {
    const rows = (await source.dataSource.query(
      `SELECT scope, subject_id, spent_usd::text AS spent, reserved_usd::text AS reserved, limit_usd::text AS limit_usd
         FROM ${SCHEMA}.budget_ledger
        WHERE period = $1 AND limit_usd IS NOT NULL
        ORDER BY spent_usd / greatest(limit_usd, 1e-9) DESC, scope, subject_id
        LIMIT $2`,
      [period, source.maxSeries],
    )) as BudgetRow[];
    const counts = (await source.dataSource.query(
      `SELECT scope, count(*)::int AS n FROM ${SCHEMA}.budget_ledger
        WHERE period = $1 AND limit_usd IS NOT NULL AND (exhausted OR spent_usd >= limit_usd)
        GROUP BY scope`,
      [period],
    )) as { scope: 'provider' | 'agent'; n: number }[];
    const of = (scope: string) => counts.find((c) => c.scope === scope)?.n ?? 0;
    return { rows, exhausted: { provider: of('provider'), agent: of('agent') } };
  } catch {
    return null;
  }
}

function current(): Promise<BudgetSnapshot | null> {
  const now = Date.now();
  if (snapshot === null || now - snapshot.at > SNAPSHOT_TTL_MS) snapshot = { at: now, value: readSnapshot() };
  return snapshot.value;
}

function perBudget(name: string, help: string, value: (row: BudgetRow) => number): void {
  processGauge({
    name,
    help,
    labelNames: ['scope', 'subject'],
    async collect() {
      const snap = await current();
      this.reset();
      for (const row of snap?.rows ?? []) this.set({ scope: row.scope, subject: row.subject_id }, value(row));
    },
  });
}

const limitOf = (row: BudgetRow) => Number(row.limit_usd);
perBudget(
  'switchboard_budget_use_ratio',
  "Share of this month's budget spent (settled calls), by scope (provider, agent) and subject (the provider or agent id); the most used budgets",
  (row) => (limitOf(row) > 0 ? Number(row.spent) / limitOf(row) : 1),
);
perBudget('switchboard_budget_spent_usd', "USD spent this month against a budget, by scope and subject; the most used budgets", (row) => Number(row.spent));
perBudget('switchboard_budget_reserved_usd', 'USD held by calls in flight against a budget, by scope and subject; the most used budgets', (row) => Number(row.reserved));
perBudget('switchboard_budget_limit_usd', 'Monthly limit of a budget in USD, by scope and subject; the most used budgets', limitOf);

processGauge({
  name: 'switchboard_budgets_exhausted',
  help: 'Budgets exhausted this month, by scope (provider, agent)',
  labelNames: ['scope'],
  async collect() {
    const snap = await current();
    this.reset();
    if (snap === null) return;
    this.set({ scope: 'provider' }, snap.exhausted.provider);
    this.set({ scope: 'agent' }, snap.exhausted.agent);
  },
});

/** Scrapes read this service's ledger (the latest one started in the process). */
export function watchBudgets(dataSource: DataSource, options: { readonly maxSeries?: number; readonly now?: () => Date } = {}): void {
  source = { dataSource, maxSeries: options.maxSeries ?? DEFAULT_MAX_BUDGET_SERIES, now: options.now ?? (() => new Date()) };
  snapshot = null;
}
