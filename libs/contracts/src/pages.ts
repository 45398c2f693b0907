import { z } from 'zod';
import { Id } from './common.js';
import { appError, fail, ok, type Result } from './result.js';

/** `?limit` when a client sends none (API.md, "Lists"). */
export const PAGE_DEFAULT_LIMIT = 100;
export const PAGE_MAX_LIMIT = 1000;

/**
 * The items of one page serialise to at most this many bytes, whatever `limit` asks: a page then always fits one
 * NATS message (1 MiB by default) with its envelope. A page cut short by it still carries `nextCursor`.
 */
export const PAGE_MAX_BYTES = 512 * 1024;

export const PageLimit = z.number().int().min(1).max(PAGE_MAX_LIMIT);

/** Cursors are base64url and opaque to clients; their content is checked only by the list that made them. */
const NOT_A_CURSOR = 'is not a cursor this API gave out';
export const PageCursor = z.string().min(1, NOT_A_CURSOR).max(512, NOT_A_CURSOR).regex(/^[A-Za-z0-9_-]+$/, NOT_A_CURSOR);

/**
 * The page fields of every list operation on the bus. The gateway always sends `limit` (a client's, or
 * PAGE_DEFAULT_LIMIT); a bus caller that sends none gets the largest page, so callers written before pages
 * existed keep seeing up to PAGE_MAX_LIMIT items.
 */
export const PageRequest = { limit: PageLimit.default(PAGE_MAX_LIMIT), cursor: PageCursor.optional() };

/** `{data, nextCursor}`: nextCursor is null on the last page and otherwise fetches the next one. */
export const pageOf = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item), nextCursor: PageCursor.nullable() });

export interface Page<T> {
  readonly data: T[];
  readonly nextCursor: string | null;
}

/** An instant exactly as PostgreSQL keeps it (UTC, microseconds), so a keyset position never falls between rows. */
export const SortInstant = z
  .string()
  .regex(/^[1-9]\d{3}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/)
  .refine((at) => {
    const parsed = new Date(at);
    return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 19) === at.slice(0, 19);
  });

/** The sort key of lists ordered by an instant, ties broken by id: (created_at, id), (at, alert_id). */
export const TimeIdSortKey = z.tuple([SortInstant, Id]);
export type TimeIdSortKey = z.infer<typeof TimeIdSortKey>;

const badCursor = () =>
  appError('validation_failed', 'cursor: is not a cursor of this list (pass on the nextCursor a page of this list answered)');

/** A cursor: base64url of the list's name and the sort key of the last item a page answered. */
export function encodeCursor(list: string, key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify([list, ...key]), 'utf8').toString('base64url');
}

/**
 * The sort key a cursor of `list` carries (null without a cursor). Anything else — another list's cursor, a
 * damaged or made-up one — is `validation_failed`. A cursor is only a position: every list query is scoped to
 * the caller's tenant, so a cursor taken from another tenant's list can only point into the caller's own rows.
 */
export function decodeCursor<K extends z.ZodType>(cursor: string | undefined, list: string, key: K): Result<z.output<K> | null> {
  if (cursor === undefined) return ok(null);
  if (!PageCursor.safeParse(cursor).success) return fail(badCursor());
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return fail(badCursor());
  }
  if (!Array.isArray(decoded) || decoded[0] !== list) return fail(badCursor());
  const parsed = key.safeParse(decoded.slice(1));
  return parsed.success ? ok(parsed.data) : fail(badCursor());
}

/**
 * The page a list answers from rows read with `LIMIT limit + 1` in sort order: at most `limit` items and
 * PAGE_MAX_BYTES of them (never fewer than one), and a cursor after the last one when rows remain.
 */
export function cutPage<R, T>(rows: readonly R[], limit: number, view: (row: R) => T, cursorOf: (row: R) => string): Page<T> {
  const data: T[] = [];
  let bytes = 0;
  for (const row of rows.slice(0, limit)) {
    const item = view(row);
    const size = Buffer.byteLength(JSON.stringify(item), 'utf8') + 1;
    if (data.length > 0 && bytes + size > PAGE_MAX_BYTES) break;
    data.push(item);
    bytes += size;
  }
  const last = rows[data.length - 1];
  return { data, nextCursor: rows.length > data.length && last !== undefined ? cursorOf(last) : null };
}
