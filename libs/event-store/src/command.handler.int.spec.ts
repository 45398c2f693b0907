import { appError, busNames, fail, ok } from '@switchboard/contracts';
import { handleCommand, type HandleCommandArgs } from './command.handler.js';
import { PgEventStore } from './pg-event-store.js';
import { counterDecider, type CounterCommand, type CounterEvent, type CounterState } from './testing/counter.decider.js';
import { deferred } from './testing/async-helpers.js';
import { createStoreFixture, eventId, lockWaiter, type StoreFixture } from './testing/fixtures.js';

const at = new Date('2030-01-02T03:04:05.678Z');
let f: StoreFixture;
let store: PgEventStore;
let replica: PgEventStore;

beforeAll(async () => {
  f = await createStoreFixture();
  store = f.store;
  replica = new PgEventStore(f.ds, { schema: 'es_spec', busNames: busNames('tunused'), busTypeOf: (type) => `counter.${type.toLowerCase()}` });
  await f.ds.query(`CREATE TABLE es_spec.counter_view (stream_id text PRIMARY KEY, total int NOT NULL)`);
});
afterAll(() => f.close());

type Args = HandleCommandArgs<CounterCommand, CounterEvent, CounterState>;
const increment = (streamId: string, by: number, extra: Partial<Args> = {}) =>
  handleCommand<CounterCommand, CounterEvent, CounterState>({
    store,
    decider: counterDecider,
    streamId,
    tenantId: 'ten_1',
    command: { type: 'Increment', data: { by } },
    metadata: { correlationId: 'c1' },
    at,
    newEventId: eventId,
    ...extra,
  });

async function outboxRows(streamId: string): Promise<number> {
  const rows: { n: number }[] = await f.ds.query(
    `SELECT count(*)::int AS n FROM ${store.table('outbox')} o JOIN ${store.table('events')} e USING (event_id) WHERE e.stream_id = $1`,
    [streamId],
  );
  return rows[0]?.n ?? -1;
}

describe('handleCommand', () => {
  it('reads, folds, decides and appends at the version it read', async () => {
    expect(await increment('c-basic', 2)).toMatchObject({ ok: true, value: { version: 1, state: { total: 2, increments: 1 } } });
    const r = await increment('c-basic', 3, { expectedVersion: 1 });
    expect(r).toMatchObject({ ok: true, value: { version: 2, state: { total: 5, increments: 2 } } });
    expect(r.ok && r.value.events.map((e) => [e.version, e.type, e.data, e.metadata])).toEqual([[2, 'Incremented', { by: 3 }, { correlationId: 'c1' }]]);
  });

  it('fails with version_conflict at once for a stale If-Match version', async () => {
    await increment('c-stale', 1);
    await increment('c-stale', 1);
    const r = await increment('c-stale', 1, { expectedVersion: 1 });
    expect(r).toEqual(fail({ code: 'version_conflict', message: 'stream c-stale is at version 2, expected 1', details: { streamId: 'c-stale', expected: 1, actual: 2 } }));
    expect((await store.readStream('c-stale')).version).toBe(2);
  });

  it('returns the decider error and writes nothing', async () => {
    expect(await increment('c-invalid', 0)).toEqual(fail(appError('validation_failed', 'by: must be positive')));
    expect((await store.readStream('c-invalid')).version).toBe(0);
  });

  it('appends nothing when the decider decides no events', async () => {
    await increment('c-noop', 4);
    const r = await handleCommand({ store, decider: counterDecider, streamId: 'c-noop', tenantId: 'ten_1', command: { type: 'Noop', data: {} }, metadata: {}, at });
    expect(r).toEqual(ok({ state: { total: 4, increments: 1 }, version: 1, events: [] }));
  });

  it('runs afterAppend in the same transaction with the new state', async () => {
    const afterAppend: Args['afterAppend'] = async (tx, events, state) => {
      await tx.query(
        `INSERT INTO es_spec.counter_view (stream_id, total) VALUES ($1, $2) ON CONFLICT (stream_id) DO UPDATE SET total = EXCLUDED.total`,
        [events[0]?.streamId, state.total],
      );
      return ok(undefined);
    };
    await increment('c-inline', 5, { afterAppend });
    await increment('c-inline', 6, { afterAppend });
    expect(await f.ds.query(`SELECT total FROM es_spec.counter_view WHERE stream_id = 'c-inline'`)).toEqual([{ total: 11 }]);
  });

  it('rolls back the events and the outbox rows when afterAppend fails', async () => {
    await increment('c-rollback', 1);
    const failed = await increment('c-rollback', 2, {
      afterAppend: async (tx) => {
        await tx.query(`INSERT INTO es_spec.counter_view (stream_id, total) VALUES ('c-rollback', 99)`);
        return fail(appError('provider_name_taken', 'name taken'));
      },
    });
    expect(failed).toEqual(fail(appError('provider_name_taken', 'name taken')));
    expect((await store.readStream('c-rollback')).version).toBe(1);
    expect(await outboxRows('c-rollback')).toBe(1);
    expect(await f.ds.query(`SELECT total FROM es_spec.counter_view WHERE stream_id = 'c-rollback'`)).toEqual([]);

    await expect(increment('c-rollback', 2, { afterAppend: () => Promise.reject(new Error('projection broke')) })).rejects.toThrow('projection broke');
    expect((await store.readStream('c-rollback')).version).toBe(1);
    expect(await outboxRows('c-rollback')).toBe(1);
  });

  it('retries on a conflict without If-Match, so concurrent commands all land in order', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, () => increment('c-retry', 1, { maxRetries: 4 })));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(results.map((r) => r.ok && r.value.version).sort()).toEqual([1, 2, 3, 4, 5]);
    const stream = await store.readStream('c-retry');
    expect(stream.version).toBe(5);
    expect(await outboxRows('c-retry')).toBe(5);
  });

  it('gives up with version_conflict once the retries are spent, and retries otherwise', async () => {
    const collide = async (maxRetries: number) => {
      const release = deferred();
      const holding = deferred();
      const first = increment('c-collide', 1, {
        afterAppend: async () => {
          holding.resolve();
          await release.promise;
          return ok(undefined);
        },
      });
      await holding.promise;
      // The second command, from another replica (a store with its own group commit), reads the version before the
      // first commits, then blocks on its insert.
      const second = increment('c-collide', 1, { maxRetries, store: replica });
      await lockWaiter(f.ds);
      release.resolve();
      return Promise.all([first, second]);
    };

    const [won, lost] = await collide(0);
    expect(won.ok).toBe(true);
    expect(lost).toMatchObject({ ok: false, error: { code: 'version_conflict', details: { expected: 0, actual: 1 } } });

    const [, retried] = await collide(1);
    expect(retried).toMatchObject({ ok: true, value: { version: 3, state: { total: 3 } } });
  });
});
