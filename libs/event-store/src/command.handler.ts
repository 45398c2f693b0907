import { appError, fail, newId, ok, type AppError, type Result } from '@switchboard/contracts';
import { foldStream, type Decider } from './decider.js';
import type { EventMetadata, StoredEvent, Tx, VersionConflict } from './event-store.types.js';
import type { PgEventStore } from './pg-event-store.js';

export interface HandleCommandArgs<C, E extends { readonly type: string; readonly data: object }, S> {
  store: PgEventStore;
  decider: Decider<C, E, S>;
  streamId: string;
  tenantId: string;
  command: C;
  /** If-Match: a stale version fails at once with version_conflict, without retry. */
  expectedVersion?: number;
  metadata: EventMetadata;
  at: Date;
  newEventId?: () => string;
  /** Inline projections, in the same transaction; a failure rolls back the events too. */
  afterAppend?: (tx: Tx, events: readonly StoredEvent[], state: S) => Promise<Result<void, AppError>>;
  /** Retries on VersionConflict when no expectedVersion was given. */
  maxRetries?: number;
}

export interface HandledCommand<S> {
  state: S;
  version: number;
  events: readonly StoredEvent[];
}

/** Unwinds the transaction while carrying a result value out of it. */
class Rollback {
  constructor(
    readonly error: AppError,
    readonly conflict = false,
  ) {}
}

export function versionConflictError(conflict: VersionConflict): AppError {
  return appError('version_conflict', conflict.message, {
    streamId: conflict.streamId,
    expected: conflict.expected,
    actual: conflict.actual,
  });
}

/**
 * One transaction: read the stream → fold → decide → append at the version read → afterAppend → commit.
 * Concurrent writers are serialised by the expected version, never by overwriting.
 */
export async function handleCommand<C, E extends { readonly type: string; readonly data: object }, S>(
  args: HandleCommandArgs<C, E, S>,
): Promise<Result<HandledCommand<S>, AppError>> {
  const maxRetries = args.expectedVersion === undefined ? (args.maxRetries ?? 3) : 0;
  for (let attempt = 0; ; attempt++) {
    try {
      return ok(await args.store.transaction((tx) => attemptOnce(args, tx)));
    } catch (err) {
      if (!(err instanceof Rollback)) throw err;
      if (!err.conflict || attempt >= maxRetries) return fail(err.error);
    }
  }
}

async function attemptOnce<C, E extends { readonly type: string; readonly data: object }, S>(
  args: HandleCommandArgs<C, E, S>,
  tx: Tx,
): Promise<HandledCommand<S>> {
  const { store, decider } = args;
  const stream = await store.readStream(args.streamId, tx);
  if (args.expectedVersion !== undefined && args.expectedVersion !== stream.version) {
    const conflict: VersionConflict = {
      code: 'version_conflict',
      message: `stream ${args.streamId} is at version ${stream.version}, expected ${args.expectedVersion}`,
      streamId: args.streamId,
      expected: args.expectedVersion,
      actual: stream.version,
    };
    throw new Rollback(versionConflictError(conflict), true);
  }
  const state = foldStream(decider, stream.events);
  const decided = decider.decide(args.command, state);
  if (!decided.ok) throw new Rollback(decided.error);
  if (decided.value.length === 0) return { state, version: stream.version, events: [] };

  const newEventId = args.newEventId ?? (() => newId('event'));
  const appended = await store.append(tx, {
    streamId: args.streamId,
    expectedVersion: stream.version,
    tenantId: args.tenantId,
    events: decided.value.map((e) => ({ eventId: newEventId(), type: e.type, data: e.data as Record<string, unknown> })),
    metadata: args.metadata,
    at: args.at,
  });
  if (!appended.ok) throw new Rollback(versionConflictError(appended.error), true);

  const next = decided.value.reduce((s, e) => decider.evolve(s, e), state);
  if (args.afterAppend) {
    const after = await args.afterAppend(tx, appended.value, next);
    if (!after.ok) throw new Rollback(after.error);
  }
  return { state: next, version: stream.version + appended.value.length, events: appended.value };
}
