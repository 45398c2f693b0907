import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { queryKeyOf } from '../../api/queries';
import { Button, PageHeader, Select, TextInput } from '../../ui';
import { BreakdownPanel, DailyUsagePanel } from './usage-panels';
import { METRICS, currentMonth, type DayRange, type UsageMetric } from './usage-range';
import { USAGE_PATH } from './usage.queries';
import './usage.css';

const MAX_DAYS = 366;
const DAY_MS = 86_400_000;

/** Why a range cannot be asked for, in the words of the field it is about; null when it can. */
function rangeError(range: DayRange): { readonly field: 'from' | 'to'; readonly message: string } | null {
  const from = Date.parse(`${range.from}T00:00:00Z`);
  const to = Date.parse(`${range.to}T00:00:00Z`);
  if (Number.isNaN(from)) return { field: 'from', message: 'Enter a day.' };
  if (Number.isNaN(to)) return { field: 'to', message: 'Enter a day.' };
  if (to < from) return { field: 'to', message: 'Must be on or after From.' };
  if ((to - from) / DAY_MS + 1 > MAX_DAYS) return { field: 'to', message: `The range may span at most ${MAX_DAYS} days.` };
  return null;
}

/** Usage over a range of UTC days: per day, and broken down by provider, model or agent; each chart with its table. */
export function UsageSection() {
  const queryClient = useQueryClient();
  const [range, setRange] = useState<DayRange>(() => currentMonth());
  const [metric, setMetric] = useState<UsageMetric>('requests');
  const invalid = rangeError(range);
  return (
    <>
      <PageHeader
        title="Usage"
        actions={<Button onClick={() => void queryClient.invalidateQueries({ queryKey: queryKeyOf(USAGE_PATH) })}>Refresh</Button>}
      />
      <form className="usage-range" aria-label="Usage range" onSubmit={(event) => event.preventDefault()}>
        <TextInput
          label="From"
          type="date"
          value={range.from}
          onChange={(from) => setRange((r) => ({ ...r, from }))}
          error={invalid?.field === 'from' ? invalid.message : null}
        />
        <TextInput
          label="To"
          type="date"
          value={range.to}
          onChange={(to) => setRange((r) => ({ ...r, to }))}
          error={invalid?.field === 'to' ? invalid.message : null}
          hint="Both days included (UTC)."
        />
        <Select label="Metric" value={metric} onChange={(next) => setMetric(next as UsageMetric)} options={METRICS} />
      </form>
      {invalid === null ? (
        <>
          <DailyUsagePanel range={range} metric={metric} />
          <BreakdownPanel range={range} metric={metric} />
        </>
      ) : null}
    </>
  );
}
