import { z } from 'zod';
import { AlertKind, AlertSince } from '@switchboard/contracts';
import { parseBody } from '../http/body-validation.js';
import { PageQueryFields } from '../http/list-query.js';

/** GET /v1/alerts's query string: filters and the page; an unknown parameter is refused rather than silently ignored. */
export const AlertsQueryParams = z.strictObject({
  since: AlertSince.optional(),
  kind: AlertKind.optional(),
  ...PageQueryFields,
});
export type AlertsQueryParams = z.infer<typeof AlertsQueryParams>;

/** Parses the query string, so a bad one is a clear 400 before any bus round trip. */
export function parseAlertsQuery(query: unknown): AlertsQueryParams {
  return parseBody(AlertsQueryParams, query ?? {});
}
