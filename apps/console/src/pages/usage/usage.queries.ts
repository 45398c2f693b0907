import type { UsageRow } from '@switchboard/contracts';
import { withQuery } from '../../api/client';
import { useApiQuery } from '../../api/queries';
import { queryWindow, type DayRange } from './usage-range';

export const USAGE_PATH = '/v1/usage';
export type UsageGroupBy = 'day' | 'provider' | 'model' | 'agent';

/** GET /v1/usage for the range's days; nothing is asked while a date is incomplete. */
export function useUsage(groupBy: UsageGroupBy, range: DayRange) {
  const window = queryWindow(range);
  return useApiQuery<{ data: UsageRow[] }>(window === null ? null : withQuery(USAGE_PATH, { groupBy, ...window }));
}
