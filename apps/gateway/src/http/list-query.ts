import { z } from 'zod';
import { PAGE_DEFAULT_LIMIT, PAGE_MAX_LIMIT, PageCursor } from '@switchboard/contracts';
import { parseBody } from './body-validation.js';

const LIMIT_RULE = `must be a whole number from 1 to ${PAGE_MAX_LIMIT}`;

/** `?limit&cursor` of every list route (API.md, "Lists"). */
export const PageQueryFields = {
  limit: z
    .string()
    .regex(/^\d{1,7}$/, LIMIT_RULE)
    .transform(Number)
    .pipe(z.number().int().min(1, LIMIT_RULE).max(PAGE_MAX_LIMIT, `must be at most ${PAGE_MAX_LIMIT}`))
    .default(PAGE_DEFAULT_LIMIT),
  cursor: PageCursor.optional(),
};

/** The query string of a list route; an unknown parameter is refused rather than silently ignored. */
export const ListQueryParams = z.strictObject(PageQueryFields);
export type ListQueryParams = z.infer<typeof ListQueryParams>;

/**
 * Parses a list route's query string, so a bad limit or a cursor no list could have made is a clear 400 before
 * any bus round trip. Whether a well-formed cursor belongs to the list is for the service to say (also a 400).
 */
export function parseListQuery(query: unknown): { limit: number; cursor?: string } {
  const { limit, cursor } = parseBody(ListQueryParams, query ?? {});
  return cursor === undefined ? { limit } : { limit, cursor };
}
