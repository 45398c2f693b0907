import { z } from 'zod';
import { UsageDate, UsageGroupBy, resolveUsageWindow } from '@switchboard/contracts';
import { ApiErrorException } from '../http/api-error.exception.js';
import { parseBody } from '../http/body-validation.js';

/** GET /v1/usage's query string; an unknown parameter (say `group_by`) is refused rather than silently ignored. */
export const UsageQueryParams = z.strictObject({
  from: UsageDate.optional(),
  to: UsageDate.optional(),
  groupBy: z.enum(UsageGroupBy.options, {
    // Otherwise a missing groupBy reads as a wrong one; a wrong one keeps the generic "must be one of".
    error: (issue) => (issue.input === undefined ? `is required: one of ${UsageGroupBy.options.map((o) => `"${o}"`).join(', ')}` : undefined),
  }),
});
export type UsageQueryParams = z.infer<typeof UsageQueryParams>;

/**
 * Parses the query string and checks the window with the rule usage-service applies (to after from, at most
 * 366 days), so a bad request is a clear 400 before any bus round trip. The dates go on as given: the
 * service resolves the defaults with its own clock.
 */
export function parseUsageQuery(query: unknown, now: Date): UsageQueryParams {
  const params = parseBody(UsageQueryParams, query ?? {});
  const window = resolveUsageWindow(params.from, params.to, now);
  if (!window.ok) throw new ApiErrorException(window.error.code, window.error.message);
  return params;
}
