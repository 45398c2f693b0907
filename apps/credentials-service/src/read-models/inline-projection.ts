import { ok, type AppError, type Result } from '@switchboard/contracts';
import type { StoredEvent, Tx } from '@switchboard/event-store';
import { credentialsProjection } from './credentials.projection.js';

/** Applies freshly appended events to the read models inside the append's transaction. */
export async function projectInline(tx: Tx, events: readonly StoredEvent[]): Promise<Result<void, AppError>> {
  for (const event of events) await credentialsProjection.apply(tx, event);
  return ok(undefined);
}

/** The inline projection, then `andThen` (e.g. writing or shredding envelopes) in the same transaction. */
export function projectInlineThen(andThen: (tx: Tx) => Promise<void>) {
  return async (tx: Tx, events: readonly StoredEvent[]): Promise<Result<void, AppError>> => {
    const projected = await projectInline(tx, events);
    if (!projected.ok) return projected;
    await andThen(tx);
    return ok(undefined);
  };
}
