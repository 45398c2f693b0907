import { appError, busNames, fail, ok } from '@switchboard/contracts';
import type { AppendArgs, NewEvent } from './event-store.types.js';
import { PgEventStore } from './pg-event-store.js';
import { deferred } from './testing/async-helpers.js';
import { counterEvent, createStoreFixture, lockWaiter, type StoreFixture } from './testing/fixtures.js';

const at = new Date('2030-01-02T03:04:05.678Z');
let f: StoreFixture;
let store: PgEventStore;

beforeAll(async () => {
  f = await createStoreFixture(busNames('tgroup'));
  store = f.store;
  await f.ds.query(`CREATE TABLE es_spec.hook_view (stream_id text PRIMARY KEY)`);
  // A fault that is nobody's version conflict: any batch touching a `poison-` stream fails as a whole.
  await f.ds.query(`CREATE FUNCTION es_spec.refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN IF NEW.stream_id LIKE 'poison-%' THEN RAISE EXCEPTION 'poisoned stream %', NEW.stream_id; END IF; RETURN NEW; END $$`);
  await f.ds.query(`CREATE TRIGGER refuse_poison BEFORE INSERT ON es_spec.events FOR EACH ROW EXECUTE FUNCTION es_spec.refuse_poison()`);
});
afterAll(() => f.close());

const args = (streamId: string, expectedVersion: number, events: NewEvent[] = [counterEvent()]): AppendArgs => ({
  streamId,
  expectedVersion,
  tenantId: 'ten_1',
  events,
  metadata: { correlationId: 'c1' },
  at,
});

async function versions(streamId: string): Promise<number[]> {
  return (await store.readStream(streamId)).events.map((e) => e.version);
}

async function outboxCount(streamId: string): Promise<number> {
  const rows: { n: number }[] = await f.ds.query(
    `SELECT count(*)::int AS n FROM ${store.table('outbox')} o JOIN ${store.table('events')} e USING (event_id) WHERE e.stream_id = $1`,
    [streamId],
  );
  return rows[0]?.n ?? -1;
}

/** Submits all in one turn, so they share one batch (the queue is idle when the spec starts). */
async function oneBatch<T>(submit: () => Promise<T>[]): Promise<PromiseSettledResult<T>[]> {
  const before = store.groupCommitStats();
  const settled = await Promise.allSettled(submit());
  const after = store.groupCommitStats();
  expect(after.batches - before.batches).toBe(1);
  return settled;
}

describe('group commit (PgEventStore.appendCommitted)', () => {
  it('carries concurrent appends in one batch, each caller with its own events', async () => {
    const settled = await oneBatch(() => Array.from({ length: 20 }, (_, i) => store.appendCommitted(args(`batch-${i}`, 0))));
    expect(store.groupCommitStats().largestBatch).toBeGreaterThanOrEqual(20);
    settled.forEach((s, i) => {
      expect(s).toMatchObject({ status: 'fulfilled', value: { ok: true, value: [{ streamId: `batch-${i}`, version: 1, metadata: { correlationId: 'c1' } }] } });
    });
    for (let i = 0; i < 20; i++) {
      expect(await versions(`batch-${i}`)).toEqual([1]);
      expect(await outboxCount(`batch-${i}`)).toBe(1);
    }
  });

  it('returns what a read returns for the appended events', async () => {
    const r = await store.appendCommitted(args('batch-read', 0, [counterEvent(1), counterEvent(2)]));
    expect(r.ok && r.value).toEqual((await store.readStream('batch-read')).events);
  });

  it('fails only the caller whose expected version is stale', async () => {
    const [a, b, c] = await oneBatch(() => [
      store.appendCommitted(args('conflict-a', 0)),
      store.appendCommitted(args('conflict-b', 5)),
      store.appendCommitted(args('conflict-c', 0)),
    ]);
    expect(a).toMatchObject({ status: 'fulfilled', value: { ok: true } });
    expect(b).toEqual({
      status: 'fulfilled',
      value: fail({ code: 'version_conflict', message: 'stream conflict-b is at version 0, expected 5', streamId: 'conflict-b', expected: 5, actual: 0 }),
    });
    expect(c).toMatchObject({ status: 'fulfilled', value: { ok: true } });
    expect(await versions('conflict-b')).toEqual([]);
    expect(await outboxCount('conflict-b')).toBe(0);
    expect(await versions('conflict-c')).toEqual([1]);
  });

  it('orders appends to one stream within a batch: a later one sees the earlier ones', async () => {
    const settled = await oneBatch(() => [
      store.appendCommitted(args('same', 1)),
      store.appendCommitted(args('same', 0, [counterEvent(1), counterEvent(2)])),
      store.appendCommitted(args('same', 0)),
      store.appendCommitted(args('same', 2)),
    ]);
    const outcomes = settled.map((s) => (s.status === 'fulfilled' ? s.value : s.reason));
    expect(outcomes[0]).toMatchObject({ ok: false, error: { code: 'version_conflict', expected: 1, actual: 0 } });
    expect(outcomes[1]).toMatchObject({ ok: true, value: [{ version: 1 }, { version: 2 }] });
    expect(outcomes[2]).toMatchObject({ ok: false, error: { code: 'version_conflict', expected: 0, actual: 2 } });
    expect(outcomes[3]).toMatchObject({ ok: true, value: [{ version: 3 }] });
    expect(await versions('same')).toEqual([1, 2, 3]);
    expect(await outboxCount('same')).toBe(3);
  });

  it('fails exactly the callers of a batch whose statement fails, and writes none of it', async () => {
    const settled = await oneBatch(() => [
      store.appendCommitted(args('clean-neighbour-1', 0)),
      store.appendCommitted(args('poison-1', 0)),
      store.appendCommitted(args('clean-neighbour-2', 0)),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(settled.map((s) => (s.status === 'rejected' ? String(s.reason) : ''))).toEqual(Array(3).fill(expect.stringContaining('poisoned stream poison-1')));
    for (const stream of ['clean-neighbour-1', 'poison-1', 'clean-neighbour-2']) {
      expect(await versions(stream)).toEqual([]);
      expect(await outboxCount(stream)).toBe(0);
    }
    expect(await store.appendCommitted(args('after-poison', 0))).toMatchObject({ ok: true });
  });

  it('fails only the caller that reuses an event id; its batch neighbours land', async () => {
    const reused = counterEvent();
    await store.appendCommitted(args('reuse-first', 0, [reused]));
    const [a, dup, b] = await oneBatch(() => [
      store.appendCommitted(args('reuse-a', 0)),
      store.appendCommitted(args('reuse-dup', 0, [reused])),
      store.appendCommitted(args('reuse-b', 0)),
    ]);
    expect(a).toMatchObject({ status: 'fulfilled', value: { ok: true } });
    expect(dup).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ message: expect.stringContaining('events_event_id_key') }) });
    expect(b).toMatchObject({ status: 'fulfilled', value: { ok: true } });
    expect(await versions('reuse-dup')).toEqual([]);
    expect([await versions('reuse-a'), await versions('reuse-b')]).toEqual([[1], [1]]);
  });

  it('runs afterAppend hooks in the batch transaction; a refusing or throwing hook undoes its own append only', async () => {
    const project = (streamId: string) => async (tx: import('./event-store.types.js').Tx) => {
      await tx.query(`INSERT INTO es_spec.hook_view (stream_id) VALUES ($1)`, [streamId]);
      return ok(undefined);
    };
    const [kept, refused, thrown, plain] = await oneBatch(() => [
      store.appendCommitted(args('hook-kept', 0), project('hook-kept')),
      store.appendCommitted(args('hook-refused', 0), async (tx, events) => {
        await project('hook-refused')(tx);
        return fail(appError('provider_name_taken', `taken by ${events[0]?.streamId}`));
      }),
      store.appendCommitted(args('hook-thrown', 0), async (tx) => {
        await project('hook-thrown')(tx);
        throw new Error('projection broke');
      }),
      store.appendCommitted(args('hook-none', 0)),
    ]);
    expect(kept).toMatchObject({ status: 'fulfilled', value: { ok: true, value: [{ version: 1 }] } });
    expect(refused).toEqual({
      status: 'fulfilled',
      value: fail({ code: 'after_append_rejected', message: 'taken by hook-refused', error: appError('provider_name_taken', 'taken by hook-refused') }),
    });
    expect(thrown).toMatchObject({ status: 'rejected', reason: new Error('projection broke') });
    expect(plain).toMatchObject({ status: 'fulfilled', value: { ok: true } });
    const view: { stream_id: string }[] = await f.ds.query(`SELECT stream_id FROM es_spec.hook_view ORDER BY stream_id`);
    expect(view.map((r) => r.stream_id)).toEqual(['hook-kept']);
    for (const stream of ['hook-refused', 'hook-thrown']) {
      expect(await versions(stream)).toEqual([]);
      expect(await outboxCount(stream)).toBe(0);
    }
    expect([await versions('hook-kept'), await versions('hook-none')]).toEqual([[1], [1]]);
  });

  it('takes out every item of a stream whose version a concurrent transaction took after the check', async () => {
    const replica = new PgEventStore(f.ds, { schema: 'es_spec', busNames: busNames('tgroup'), busTypeOf: (type) => `counter.${type.toLowerCase()}` });
    const release = deferred();
    const held = deferred();
    const other = store.transaction(async (tx) => {
      const r = await store.append(tx, args('race', 0));
      held.resolve();
      await release.promise;
      return r;
    });
    await held.promise;
    // The replica's batch checks `race` at version 0 (the other append is uncommitted), then waits on its row.
    const batch = Promise.all([
      replica.appendCommitted(args('race', 0, [counterEvent(1), counterEvent(2)])),
      replica.appendCommitted(args('race', 2)),
      replica.appendCommitted(args('race-bystander', 0)),
    ]);
    await lockWaiter(f.ds);
    release.resolve();
    expect(await other).toMatchObject({ ok: true });
    const [first, second, bystander] = await batch;
    expect(first).toMatchObject({ ok: false, error: { code: 'version_conflict', expected: 0, actual: 1 } });
    expect(second).toMatchObject({ ok: false, error: { code: 'version_conflict', expected: 2, actual: 1 } });
    expect(bystander).toMatchObject({ ok: true });
    expect(await versions('race')).toEqual([1]);
    expect(await outboxCount('race')).toBe(1);
  });
});
