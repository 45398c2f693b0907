import { z } from 'zod';
import { ALERT_LIST_MAX_LIMIT, AlertKind, AlertSince } from '@switchboard/contracts';
import { parseBody } from '../http/body-validation.js';

/** GET /v1/alerts's query string; an unknown parameter is refused rather than silently ignored. */
export const AlertsQueryParams = z.strictObject({
  since: AlertSince.optional(),
  kind: AlertKind.optional(),
  limit: z
    .string()
    .regex(/^\d{1,6}$/, `must be a whole number from 1 to ${ALERT_LIST_MAX_LIMIT}`)
    .transform(Number)
    .pipe(z.number().int().min(1, `must be a whole number from 1 to ${ALERT_LIST_MAX_LIMIT}`).max(ALERT_LIST_MAX_LIMIT, `must be at most ${ALERT_LIST_MAX_LIMIT}`))
    .optional(),
});
export type AlertsQueryParams = z.infer<typeof AlertsQueryParams>;

/** Parses the query string, so a bad one is a clear 400 before any bus round trip. */
export function parseAlertsQuery(query: unknown): AlertsQueryParams {
  return parseBody(AlertsQueryParams, query ?? {});
}
