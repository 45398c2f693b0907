import { fail, ok, type AppError, type Result } from '@switchboard/contracts';
import { busHeaders, busPayload } from './event-row.mapper.js';
import type { AppendArgs, EventStoreOptions, StoredEvent, Tx, VersionConflict } from './event-store.types.js';
import type { Settled } from './group-commit.js';

/** One item of `append_batch`'s jsonb argument (see append-batch.sql.ts). */
export interface BatchItem {
  s: string;
  v: number;
  t: string;
  m: AppendArgs['metadata'];
  at: string;
  h: Record<string, string>;
  e: { id: string; type: string; data: Readonly<Record<string, unknown>>; subject: string; payload: string }[];
}

/** A row of `append_batch`: a conflict (no event id) or one appended event of an item (1-based). */
export interface BatchRow {
  r_item: number;
  r_actual: number;
  r_event_id: string | null;
  r_version: number | null;
  r_position: string | null;
}

export type AppendOutcome = Result<StoredEvent[], VersionConflict>;

/**
 * Runs in the batch's transaction after its append; a failed Result (or a throw) undoes that append alone. It may run
 * more than once for one append (a batch rolled back for another item's hook runs again without it), so it writes
 * only through `tx` and calls nothing outside the database.
 */
export type AfterAppendHook = (tx: Tx, events: readonly StoredEvent[]) => Promise<Result<void, AppError>>;

/** The afterAppend hook refused: the append was undone; `error` is the hook's own. */
export interface AfterAppendRejected {
  code: 'after_append_rejected';
  message: string;
  error: AppError;
}

export type CommitOutcome = Result<StoredEvent[], VersionConflict | AfterAppendRejected>;

export function assertExpectedVersion(expectedVersion: number): void {
  if (!Number.isInteger(expectedVersion) || expectedVersion < 0) {
    throw new Error(`expectedVersion must be a non-negative integer, got ${expectedVersion}`);
  }
}

/** The item for `args`; throws (for its caller alone) when an event cannot go on the bus as it is. */
export function toBatchItem(args: AppendArgs, options: EventStoreOptions): BatchItem {
  return {
    s: args.streamId,
    v: args.expectedVersion,
    t: args.tenantId,
    m: args.metadata,
    at: args.at.toISOString(),
    h: busHeaders(args.metadata),
    e: args.events.map((event) => {
      const busType = options.busTypeOf(event.type);
      return {
        id: event.eventId,
        type: event.type,
        data: event.data,
        subject: options.busNames.event(args.tenantId, busType),
        payload: busPayload(event, busType, args.tenantId, args.at),
      };
    }),
  };
}

export function appendBatchStatement(q: string): string {
  return `SELECT r_item, r_actual, r_event_id, r_version, r_position FROM ${q}.append_batch($1::jsonb, $2)`;
}

export function versionConflict(streamId: string, expected: number, actual: number): VersionConflict {
  return { code: 'version_conflict', message: `stream ${streamId} is at version ${actual}, expected ${expected}`, streamId, expected, actual };
}

/** Data and metadata as the jsonb columns hold them, so a caller sees what a later read returns. */
const asStored = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** Per-item outcomes, in item order, from the statement's rows. */
export function outcomesOf(rows: readonly BatchRow[], batch: readonly AppendArgs[]): AppendOutcome[] {
  const byItem = new Map<number, BatchRow[]>();
  for (const row of rows) byItem.set(row.r_item, [...(byItem.get(row.r_item) ?? []), row]);
  return batch.map((args, i) => {
    const itemRows = byItem.get(i + 1) ?? [];
    const first = itemRows[0];
    if (first === undefined) throw new Error(`append_batch returned nothing for item ${i + 1} of stream ${args.streamId}`);
    if (first.r_event_id === null) return fail(versionConflict(args.streamId, args.expectedVersion, first.r_actual));
    const metadata = asStored(args.metadata);
    const events = itemRows.map((row): StoredEvent => {
      const event = args.events.find((e) => e.eventId === row.r_event_id);
      if (event === undefined || row.r_version === null || row.r_position === null) {
        throw new Error(`append_batch returned an unknown event ${row.r_event_id} for stream ${args.streamId}`);
      }
      return {
        position: row.r_position,
        eventId: event.eventId,
        streamId: args.streamId,
        version: row.r_version,
        type: event.type,
        tenantId: args.tenantId,
        data: asStored({ ...event.data }),
        metadata,
        recordedAt: new Date(args.at.getTime()),
      };
    });
    return ok(events.sort((a, b) => a.version - b.version));
  });
}

/**
 * Errors a batch may owe to one of its items or to bad timing rather than to the database being unusable:
 * integrity violations (class 23: a reused event id) and transaction rollbacks (class 40: deadlock, serialization).
 * Each item is then retried alone, so only the item at fault fails.
 */
export function isItemAttributable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; driverError?: { code?: unknown } };
  const code = e.driverError?.code ?? e.code;
  return typeof code === 'string' && (code.startsWith('23') || code.startsWith('40'));
}

export const settledValue = <R>(value: R): Settled<R> => ({ ok: true, value });
export const settledError = <R>(error: unknown): Settled<R> => ({ ok: false, error });
