import { appError, fail, ok } from '@switchboard/contracts';
import { assertNever, type Command, type Decider, type Event } from './decider.js';
import { specificationFor } from './testing/index.js';

type Add = Command<'Add', { amount: number }>;
type Added = Event<'Added', { amount: number }>;

// The smallest decider that can both succeed and fail, to exercise the specification helper itself.
const counter: Decider<Add, Added, number> = {
  initialState: 0,
  evolve: (total, event) => total + event.data.amount,
  decide: (command, total) =>
    total + command.data.amount > 10
      ? fail(appError('invalid_state', 'over the limit', { total }))
      : ok([{ type: 'Added', data: { amount: command.data.amount } }]),
};

describe('specificationFor', () => {
  const spec = specificationFor(counter);
  const add = (amount: number): Add => ({ type: 'Add', data: { amount } });
  const added = (amount: number): Added => ({ type: 'Added', data: { amount } });

  it('folds the given events before deciding', () => {
    spec.given([added(4), added(5)]).when(add(1)).then([added(1)]);
  });

  it('checks the error code and, when given, the details', () => {
    spec.given([added(9)]).when(add(2)).thenFails('invalid_state', { total: 9 });
  });
});

describe('assertNever', () => {
  it('names the value a switch did not handle', () => {
    expect(() => assertNever({ type: 'Unknown' } as never)).toThrow('unexpected message: {"type":"Unknown"}');
  });
});
