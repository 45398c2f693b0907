import { appError, fail, ok } from '@switchboard/contracts';
import type { Decider } from '../decider.js';

/** A tiny aggregate for specs: a counter with an upper limit. */
export type CounterCommand = { readonly type: 'Increment'; readonly data: { readonly by: number } } | { readonly type: 'Noop'; readonly data: object };
export type CounterEvent = { readonly type: 'Incremented'; readonly data: { readonly by: number } };
export interface CounterState {
  readonly total: number;
  readonly increments: number;
}

export const LIMIT = 100;

export const counterDecider: Decider<CounterCommand, CounterEvent, CounterState> = {
  initialState: { total: 0, increments: 0 },
  decide(command, state) {
    switch (command.type) {
      case 'Increment':
        if (command.data.by <= 0) return fail(appError('validation_failed', 'by: must be positive'));
        if (state.total + command.data.by > LIMIT) return fail(appError('invalid_state', 'counter would exceed its limit'));
        return ok([{ type: 'Incremented', data: { by: command.data.by } }]);
      case 'Noop':
        return ok([]);
      default: {
        const never: never = command;
        return never;
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'Incremented':
        return { total: state.total + event.data.by, increments: state.increments + 1 };
      default: {
        const never: never = event.type;
        return never;
      }
    }
  },
};
