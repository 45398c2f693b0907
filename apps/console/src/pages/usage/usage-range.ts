import type { UsageRow } from '@switchboard/contracts';

/** A range of whole UTC days, both ends included, as the date fields show it (`YYYY-MM-DD`). */
export interface DayRange {
  readonly from: string;
  readonly to: string;
}

const DAY_MS = 86_400_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const msOf = (day: string) => Date.parse(`${day}T00:00:00Z`);

/** The current UTC month, as the API's own default window. */
export function currentMonth(now = new Date()): DayRange {
  const first = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  return { from: dayOf(first), to: dayOf(next - DAY_MS) };
}

/** The API's window is [from, to): the day after the last one shown. */
export function queryWindow(range: DayRange): { readonly from: string; readonly to: string } | null {
  const from = msOf(range.from);
  const to = msOf(range.to);
  if (Number.isNaN(from) || Number.isNaN(to)) return null;
  return { from: range.from, to: dayOf(to + DAY_MS) };
}

/** Every day of the range with its row, or zeros on a day without calls, so the chart's days are evenly spaced. */
export function everyDay(range: DayRange, rows: readonly UsageRow[]): UsageRow[] {
  const byDay = new Map(rows.map((r) => [r.key, r]));
  const out: UsageRow[] = [];
  const last = msOf(range.to);
  // Bounded by the API's 366-day limit; a longer range never gets here (the API refuses it first).
  for (let ms = msOf(range.from); ms <= last && out.length <= 366; ms += DAY_MS) {
    const key = dayOf(ms);
    out.push(byDay.get(key) ?? { key, requests: 0, errors: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, avgLatencyMs: null, p95LatencyMs: null });
  }
  return out;
}

export type UsageMetric = 'requests' | 'tokens' | 'costUsd' | 'p95LatencyMs';

export const METRICS: readonly { readonly value: UsageMetric; readonly label: string }[] = [
  { value: 'requests', label: 'Requests' },
  { value: 'tokens', label: 'Tokens' },
  { value: 'costUsd', label: 'Cost (USD)' },
  { value: 'p95LatencyMs', label: 'p95 latency (ms)' },
];

export function metricOf(row: UsageRow, metric: UsageMetric): number | null {
  switch (metric) {
    case 'requests':
      return row.requests;
    case 'tokens':
      return row.inputTokens + row.outputTokens;
    case 'costUsd':
      return row.costUsd;
    case 'p95LatencyMs':
      return row.p95LatencyMs;
    default: {
      const never: never = metric;
      return never;
    }
  }
}

export const metricLabel = (metric: UsageMetric) => METRICS.find((m) => m.value === metric)?.label ?? metric;
