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

export function versionConflictError(conflict: VersionConflict): AppError {
  return appError('version_conflict', conflict.message, {
    streamId: conflict.streamId,
    expected: conflict.expected,
    actual: conflict.actual,
  });
}

type Attempt<S> = Result<HandledCommand<S>, AppError> | { readonly retry: VersionConflict };

/**
 * Read the stream → fold → decide → append at the version read, with afterAppend in the append's transaction.
 * The append is group-committed with the process's other appends (PgEventStore.appendCommitted); concurrent writers
 * of one stream are serialised by the expected version, never by overwriting.
 */
export async function handleCommand<C, E extends { readonly type: string; readonly data: object }, S>(
  args: HandleCommandArgs<C, E, S>,
): Promise<Result<HandledCommand<S>, AppError>> {
  const maxRetries = args.expectedVersion === undefined ? (args.maxRetries ?? 3) : 0;
  for (let attempt = 0; ; attempt++) {
    const result = await attemptOnce(args);
    if (!('retry' in result)) return result;
    if (attempt >= maxRetries) return fail(versionConflictError(result.retry));
  }
}

async function attemptOnce<C, E extends { readonly type: string; readonly data: object }, S>(args: HandleCommandArgs<C, E, S>): Promise<Attempt<S>> {
  const { store, decider } = args;
  const stream = await store.readStream(args.streamId);
  if (args.expectedVersion !== undefined && args.expectedVersion !== stream.version) {
    return fail(
      versionConflictError({
        code: 'version_conflict',
        message: `stream ${args.streamId} is at version ${stream.version}, expected ${args.expectedVersion}`,
        streamId: args.streamId,
        expected: args.expectedVersion,
        actual: stream.version,
      }),
    );
  }
  const state = foldStream(decider, stream.events);
  const decided = decider.decide(args.command, state);
  if (!decided.ok) return decided;
  if (decided.value.length === 0) return ok({ state, version: stream.version, events: [] });

  const next = decided.value.reduce((s, e) => decider.evolve(s, e), state);
  const newEventId = args.newEventId ?? (() => newId('event'));
  const { afterAppend } = args;
  const committed = await store.appendCommitted(
    {
      streamId: args.streamId,
      expectedVersion: stream.version,
      tenantId: args.tenantId,
      events: decided.value.map((e) => ({ eventId: newEventId(), type: e.type, data: e.data as Record<string, unknown> })),
      metadata: args.metadata,
      at: args.at,
    },
    afterAppend && ((tx: Tx, events: readonly StoredEvent[]) => afterAppend(tx, events, next)),
  );
  if (committed.ok) return ok({ state: next, version: stream.version + committed.value.length, events: committed.value });
  const { error } = committed;
  switch (error.code) {
    case 'version_conflict':
      return args.expectedVersion === undefined ? { retry: error } : fail(versionConflictError(error));
    case 'after_append_rejected':
      return fail(error.error);
    default: {
      const never: never = error;
      return never;
    }
  }
}
