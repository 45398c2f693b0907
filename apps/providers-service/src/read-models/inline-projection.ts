import { ok, type AppError, type Result } from '@switchboard/contracts';
import type { StoredEvent, Tx } from '@switchboard/event-store';
import { readModelsProjection } from './read-models.projection.js';
import { uniqueViolationError } from './unique-violation.js';

/**
 * Applies freshly appended events to the read models inside the append's transaction. A unique-name
 * violation becomes its business error; the caller's failed Result rolls the events back with it.
 */
export async function projectInline(tx: Tx, events: readonly StoredEvent[]): Promise<Result<void, AppError>> {
  try {
    for (const event of events) await readModelsProjection.apply(tx, event);
    return ok(undefined);
  } catch (err) {
    const mapped = uniqueViolationError(err);
    if (mapped) return { ok: false, error: mapped };
    throw err;
  }
}

/** Runs `guard` (locks and re-checks inside the transaction) and, when it passes, the inline projection. */
export function guardedProjection(guard: (tx: Tx, events: readonly StoredEvent[]) => Promise<Result<void, AppError>>) {
  return async (tx: Tx, events: readonly StoredEvent[]): Promise<Result<void, AppError>> => {
    const passed = await guard(tx, events);
    if (!passed.ok) return passed;
    return projectInline(tx, events);
  };
}
