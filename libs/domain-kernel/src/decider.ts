import type { AppError, Result } from '@switchboard/contracts';

/**
 * Messages are plain readonly records so they serialise as they are and compare structurally in specs.
 * Commands carry ids and `now`, made once by the handler, which appends with that same instant: deciders
 * stay free of clocks and randomness.
 */
export type Command<Type extends string, Data extends object> = Readonly<{ type: Type; data: Readonly<Data> }>;
export type Event<Type extends string, Data extends object> = Readonly<{ type: Type; data: Readonly<Data> }>;

/**
 * An aggregate as three pure values. Same shape as the event store's `Decider`, declared here so the domain
 * libraries depend on nothing but contracts and this kernel (the event store is infrastructure).
 */
export interface Decider<C, E extends Event<string, object>, S> {
  decide(command: C, state: S): Result<readonly E[], AppError>;
  evolve(state: S, event: E): S;
  readonly initialState: S;
}

/** Compile-time exhaustiveness: a new message type that a switch forgets fails to build. */
export function assertNever(value: never): never {
  throw new Error(`unexpected message: ${JSON.stringify(value)}`);
}
