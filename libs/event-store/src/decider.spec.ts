import { foldStream } from './decider.js';
import type { StoredEvent } from './event-store.types.js';
import { counterDecider } from './testing/counter.decider.js';

const stored = (version: number, by: number): StoredEvent => ({
  position: String(version),
  eventId: `evt_${version}`,
  streamId: 'c',
  version,
  type: 'Incremented',
  tenantId: 'ten_1',
  data: { by },
  metadata: {},
  recordedAt: new Date(0),
});

describe('foldStream', () => {
  it('returns the initial state for an empty stream', () => {
    expect(foldStream(counterDecider, [])).toBe(counterDecider.initialState);
  });

  it('evolves the state through the events in order', () => {
    expect(foldStream(counterDecider, [stored(1, 2), stored(2, 3), stored(3, 5)])).toEqual({ total: 10, increments: 3 });
  });

  it('hands evolve only {type, data}, as the decider produced them', () => {
    const seen: object[] = [];
    foldStream({ initialState: 0, evolve: (s: number, e: { type: string; data: object }) => (seen.push(e), s + 1) }, [stored(1, 4)]);
    expect(seen).toEqual([{ type: 'Incremented', data: { by: 4 } }]);
  });
});

describe('counter decider (given → when → then)', () => {
  it('refuses to pass its limit', () => {
    const state = foldStream(counterDecider, [stored(1, 99)]);
    expect(counterDecider.decide({ type: 'Increment', data: { by: 2 } }, state)).toEqual({
      ok: false,
      error: { code: 'invalid_state', message: 'counter would exceed its limit' },
    });
  });
});
