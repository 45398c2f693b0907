import type { AppError, Result } from '@switchboard/contracts';
import type { StoredEvent } from './event-store.types.js';

/** An aggregate as pure functions: no framework, clock or randomness (time and ids come in on the command). */
export interface Decider<C, E extends { readonly type: string; readonly data: object }, S> {
  decide(command: C, state: S): Result<readonly E[], AppError>;
  evolve(state: S, event: E): S;
  readonly initialState: S;
}

/** Stored events were validated when decided, so they are trusted to be of the decider's event type. */
export function foldStream<E extends { readonly type: string; readonly data: object }, S>(
  decider: Pick<Decider<unknown, E, S>, 'evolve' | 'initialState'>,
  events: readonly StoredEvent[],
): S {
  return events.reduce((state, event) => decider.evolve(state, { type: event.type, data: event.data } as unknown as E), decider.initialState);
}
