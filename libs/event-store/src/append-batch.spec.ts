import { busNames } from '@switchboard/contracts';
import { isItemAttributable, outcomesOf, toBatchItem, type BatchRow } from './append-batch.js';
import type { AppendArgs } from './event-store.types.js';

const at = new Date('2030-01-02T03:04:05.678Z');
const options = { schema: 'es', busNames: busNames('tbatch'), busTypeOf: (type: string) => `counter.${type.toLowerCase()}` };
const args = (streamId: string, expectedVersion: number, ids: string[]): AppendArgs => ({
  streamId,
  expectedVersion,
  tenantId: 'ten_1',
  events: ids.map((eventId, i) => ({ eventId, type: 'Incremented', data: { by: i + 1, when: at } })),
  metadata: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', correlationId: 'c1' },
  at,
});
const row = (item: number, eventId: string | null, version: number | null, actual = 0): BatchRow => ({
  r_item: item,
  r_actual: actual,
  r_event_id: eventId,
  r_version: version,
  r_position: eventId === null ? null : `${100 + (version ?? 0)}`,
});

describe('toBatchItem', () => {
  it('carries the stream, version, bus subject, bus payload and trace headers of each event', () => {
    expect(toBatchItem(args('s-1', 3, ['e1']), options)).toEqual({
      s: 's-1',
      v: 3,
      t: 'ten_1',
      m: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', correlationId: 'c1' },
      at: '2030-01-02T03:04:05.678Z',
      h: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
      e: [
        {
          id: 'e1',
          type: 'Incremented',
          data: { by: 1, when: at },
          subject: 'tbatch.events.ten_1.counter.incremented',
          payload: JSON.stringify({ by: 1, when: at, eventId: 'e1', type: 'counter.incremented', tenantId: 'ten_1', at: at.toISOString() }),
        },
      ],
    });
  });

  it('throws for its caller alone when event data would override the bus envelope', () => {
    const clash = { ...args('s-1', 0, []), events: [{ eventId: 'e1', type: 'Incremented', data: { tenantId: 'other' } }] };
    expect(() => toBatchItem(clash, options)).toThrow(/envelope fields tenantId/);
  });
});

describe('outcomesOf', () => {
  it('gives each item its events in version order, or its conflict, in item order', () => {
    const batch = [args('a', 0, ['a1', 'a2']), args('b', 4, ['b1']), args('a', 2, ['a3'])];
    const [first, second, third] = outcomesOf([row(2, null, null, 1), row(1, 'a2', 2), row(1, 'a1', 1), row(3, 'a3', 3)], batch);
    expect(first).toMatchObject({ ok: true, value: [{ eventId: 'a1', version: 1, position: '101' }, { eventId: 'a2', version: 2 }] });
    expect(second).toEqual({
      ok: false,
      error: { code: 'version_conflict', message: 'stream b is at version 1, expected 4', streamId: 'b', expected: 4, actual: 1 },
    });
    expect(third).toMatchObject({ ok: true, value: [{ eventId: 'a3', streamId: 'a', version: 3, tenantId: 'ten_1', recordedAt: at }] });
  });

  it('hands back data and metadata as the jsonb columns store them', () => {
    const [outcome] = outcomesOf([row(1, 'e1', 1)], [args('s', 0, ['e1'])]);
    expect(outcome).toMatchObject({ ok: true, value: [{ data: { by: 1, when: at.toISOString() }, metadata: { correlationId: 'c1' } }] });
  });

  it('refuses rows that leave an item without an outcome or name an unknown event', () => {
    expect(() => outcomesOf([], [args('s', 0, ['e1'])])).toThrow(/returned nothing for item 1/);
    expect(() => outcomesOf([row(1, 'other', 1)], [args('s', 0, ['e1'])])).toThrow(/unknown event other/);
  });
});

describe('isItemAttributable', () => {
  it.each([
    [{ code: '23505' }, true],
    [{ driverError: { code: '40P01' } }, true],
    [{ code: '40001' }, true],
    [{ code: 'P0001' }, false],
    [{ code: '57P01' }, false],
    [new Error('connection terminated'), false],
    [null, false],
  ])('%j → %s', (err, expected) => {
    expect(isItemAttributable(err)).toBe(expected);
  });
});
