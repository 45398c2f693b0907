import type { StoredEvent, Tx } from './event-store.types.js';
import type { PgEventStore } from './pg-event-store.js';
import { ProjectionRunner, type Projection } from './projection.runner.js';
import { deferred, eventually } from './testing/async-helpers.js';
import { counterEvent, createStoreFixture, type StoreFixture } from './testing/fixtures.js';

const at = new Date('2030-01-02T03:04:05.678Z');
let f: StoreFixture;
let store: PgEventStore;

/** Records every applied event; the primary key makes a second application of one event fail loudly. */
class AppliedProjection implements Projection {
  readonly name = 'applied';
  poison: string | null = null;

  async apply(tx: Tx, event: StoredEvent): Promise<void> {
    if (event.eventId === this.poison) throw new Error('poisoned event');
    await tx.query(`INSERT INTO es_spec.applied (event_id, stream_id) VALUES ($1, $2)`, [event.eventId, event.streamId]);
  }

  async reset(tx: Tx): Promise<void> {
    await tx.query(`TRUNCATE es_spec.applied RESTART IDENTITY`);
  }
}

let projection: AppliedProjection;

beforeAll(async () => {
  f = await createStoreFixture();
  store = f.store;
  await f.ds.query(`CREATE TABLE es_spec.applied (seq bigserial, event_id text PRIMARY KEY, stream_id text NOT NULL)`);
  projection = new AppliedProjection();
});
afterAll(() => f.close());

async function append(streamId: string, expectedVersion: number, count = 1) {
  const events = Array.from({ length: count }, () => counterEvent());
  const r = await store.transaction((tx) => store.append(tx, { streamId, expectedVersion, tenantId: 'ten_1', events, metadata: {}, at }));
  if (!r.ok) throw new Error(r.error.message);
  return events.map((e) => e.eventId);
}

async function applied(): Promise<{ event_id: string; stream_id: string }[]> {
  return f.ds.query(`SELECT event_id, stream_id FROM es_spec.applied ORDER BY seq`);
}

/** Other transactions on the server may hold the read horizon back for a moment; keep catching up until `n` more applied. */
async function catchUpUntil(runner: ProjectionRunner, n: number): Promise<number> {
  let total = 0;
  await eventually(`${n} events applied`, async () => {
    total += await runner.catchUp();
    return total >= n ? true : undefined;
  });
  return total;
}

describe('ProjectionRunner', () => {
  it('applies each event once, in batches, across restarts', async () => {
    const ids = [...(await append('p-a', 0, 3)), ...(await append('p-b', 0, 2))];
    expect(await catchUpUntil(new ProjectionRunner(store, projection, { batchSize: 2 }), 5)).toBe(5);
    expect((await applied()).map((r) => r.event_id)).toEqual(ids);

    const restarted = new ProjectionRunner(store, projection, { batchSize: 2 });
    expect(await restarted.catchUp()).toBe(0);
    const more = await append('p-a', 3, 2);
    expect(await catchUpUntil(restarted, 2)).toBe(2);
    expect((await applied()).map((r) => r.event_id)).toEqual([...ids, ...more]);
  });

  it('rolls back a failed batch with its checkpoint, then applies it once', async () => {
    const runner = new ProjectionRunner(store, projection, { batchSize: 10 });
    const before = (await applied()).length;
    const checkpoint = await runner.checkpoint();
    const ids = await append('p-crash', 0, 3);
    projection.poison = ids[2] ?? null;
    await eventually('the poisoned batch to fail', () =>
      runner.catchUp().then(
        () => undefined,
        (err: Error) => err.message,
      ),
    );
    expect((await applied()).length).toBe(before);
    expect(await runner.checkpoint()).toEqual(checkpoint);

    projection.poison = null;
    expect(await catchUpUntil(runner, 3)).toBe(3);
    expect((await applied()).slice(-3).map((r) => r.event_id)).toEqual(ids);
  });

  it('never skips a transaction that commits after a later one', async () => {
    const runner = new ProjectionRunner(store, projection);
    await runner.catchUp();
    const release = deferred();
    const aAppended = deferred();
    const a = store.transaction(async (tx) => {
      await store.append(tx, { streamId: 'p-late-a', expectedVersion: 0, tenantId: 'ten_1', events: [counterEvent()], metadata: {}, at });
      aAppended.resolve();
      await release.promise;
    });
    await aAppended.promise;
    await append('p-late-b', 0);

    await runner.catchUp();
    expect((await applied()).filter((r) => r.stream_id.startsWith('p-late'))).toEqual([]);

    release.resolve();
    await a;
    await catchUpUntil(runner, 2);
    expect((await applied()).filter((r) => r.stream_id.startsWith('p-late')).map((r) => r.stream_id)).toEqual(['p-late-a', 'p-late-b']);
  });

  it('does not apply an event twice when two replicas catch up together', async () => {
    const before = (await applied()).length;
    await append('p-replicas', 0, 20);
    const replicas = [0, 1, 2].map(() => new ProjectionRunner(store, projection, { batchSize: 3 }));
    let total = 0;
    await eventually('20 events applied by the replicas', async () => {
      const counts = await Promise.all(replicas.map((r) => r.catchUp()));
      total += counts.reduce((x, y) => x + y, 0);
      return total >= 20 ? true : undefined;
    });
    expect(total).toBe(20);
    expect((await applied()).length).toBe(before + 20);
  });

  it('rebuild resets the read model and reproduces it exactly', async () => {
    const runner = new ProjectionRunner(store, projection, { batchSize: 4 });
    await runner.catchUp();
    const original = await applied();
    expect(await runner.rebuild()).toBe(original.length);
    expect(await applied()).toEqual(original);
  });

  it('rebuild waits for events held back by a transaction that is still open elsewhere', async () => {
    const runner = new ProjectionRunner(store, projection, { batchSize: 50 });
    const blocker = f.ds.createQueryRunner();
    await blocker.connect();
    await blocker.startTransaction();
    // Taking a transaction id makes it the oldest open one: newer commits stay behind the read horizon.
    await blocker.query('SELECT pg_current_xact_id()');
    const late = await append('p-held', 0, 3);
    const rebuilding = runner.rebuild();
    await new Promise((r) => setTimeout(r, 150));
    await blocker.commitTransaction();
    await blocker.release();
    const applyCount = await rebuilding;
    const ids = (await applied()).map((r) => r.event_id);
    expect(ids).toEqual(expect.arrayContaining(late));
    expect(applyCount).toBe(ids.length);
  });

  it('runs in the background until stopped', async () => {
    const errors: string[] = [];
    const runner = new ProjectionRunner(store, projection, { pollMs: 20, logger: { warn: () => undefined, error: (m) => errors.push(m) } });
    runner.start();
    try {
      const [id] = await append('p-bg', 0);
      await eventually('the background runner to apply the event', async () =>
        (await applied()).some((r) => r.event_id === id) ? true : undefined,
      );
    } finally {
      await runner.stop();
    }
    expect(errors).toEqual([]);
  });
});
