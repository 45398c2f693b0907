import { useMemo, useState } from 'react';
import { QueryState, Select } from '../../ui';
import { useNames } from '../agents/agents.queries';
import { BarChart } from './usage-chart';
import { everyDay, metricLabel, metricOf, type DayRange, type UsageMetric } from './usage-range';
import { UsageTable } from './usage-table';
import { useUsage, type UsageGroupBy } from './usage.queries';

const BREAKDOWNS: readonly { readonly value: Exclude<UsageGroupBy, 'day'>; readonly label: string }[] = [
  { value: 'provider', label: 'Provider' },
  { value: 'model', label: 'Model' },
  { value: 'agent', label: 'Agent' },
];

const fileDay = (range: DayRange) => `${range.from}_${range.to}`;
/** Days and model names are their own labels. */
const asIs = (key: string) => key;

/** The chosen figure per day of the range, every day drawn (zero on days without calls). */
export function DailyUsagePanel({ range, metric }: { readonly range: DayRange; readonly metric: UsageMetric }) {
  const usage = useUsage('day', range);
  const rows = usage.data?.body.data;
  const days = useMemo(() => everyDay(range, rows ?? []), [range, rows]);
  const keys = useMemo(() => days.map((d) => d.key), [days]);
  const values = useMemo(() => days.map((d) => metricOf(d, metric)), [days, metric]);
  const label = `${metricLabel(metric)} by day`;
  return (
    <section className="panel" aria-labelledby="usage-daily-heading">
      <h2 id="usage-daily-heading">{label}</h2>
      <QueryState loading={usage.isPending} error={usage.error}>
        <div className="usage-pair">
          <BarChart label={`Chart: ${label}, ${range.from} to ${range.to}`} keys={keys} values={values} axis="days" seriesLabel={metricLabel(metric)} />
          <UsageTable caption="Usage by day" keyHeader="Day" rows={rows ?? []} labelOf={asIs} fileName={`usage-by-day_${fileDay(range)}`} />
        </div>
      </QueryState>
    </section>
  );
}

/** The chosen figure per provider, model or agent over the whole range. */
export function BreakdownPanel({ range, metric }: { readonly range: DayRange; readonly metric: UsageMetric }) {
  const [groupBy, setGroupBy] = useState<Exclude<UsageGroupBy, 'day'>>('provider');
  const usage = useUsage(groupBy, range);
  const { providerName, agentName } = useNames();
  const labelOf = groupBy === 'provider' ? providerName : groupBy === 'agent' ? agentName : asIs;
  const rows = usage.data?.body.data;
  const sorted = useMemo(() => [...(rows ?? [])].sort((a, b) => (metricOf(b, metric) ?? 0) - (metricOf(a, metric) ?? 0)), [rows, metric]);
  const keys = useMemo(() => sorted.map((r) => labelOf(r.key)), [sorted, labelOf]);
  const values = useMemo(() => sorted.map((r) => metricOf(r, metric)), [sorted, metric]);
  const by = BREAKDOWNS.find((b) => b.value === groupBy)?.label ?? groupBy;
  const label = `${metricLabel(metric)} by ${by.toLowerCase()}`;
  return (
    <section className="panel" aria-labelledby="usage-breakdown-heading">
      <h2 id="usage-breakdown-heading">{label}</h2>
      <div className="usage-controls">
        <Select label="Breakdown" value={groupBy} onChange={(next) => setGroupBy(next as typeof groupBy)} options={BREAKDOWNS} />
      </div>
      <QueryState loading={usage.isPending} error={usage.error}>
        <div className="usage-pair">
          <BarChart label={`Chart: ${label}, ${range.from} to ${range.to}`} keys={keys} values={values} axis="names" seriesLabel={metricLabel(metric)} />
          <UsageTable caption={`Usage by ${by.toLowerCase()}`} keyHeader={by} rows={sorted} labelOf={labelOf} fileName={`usage-by-${groupBy}_${fileDay(range)}`} />
        </div>
      </QueryState>
    </section>
  );
}
