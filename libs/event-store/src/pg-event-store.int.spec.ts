import { busNames } from '@switchboard/contracts';
import type { Checkpoint, StoredEvent } from './event-store.types.js';
import { START_CHECKPOINT } from './event-store.types.js';
import type { PgEventStore } from './pg-event-store.js';
import { deferred, eventually } from './testing/async-helpers.js';
import { counterEvent, createStoreFixture, lockWaiter, type StoreFixture } from './testing/fixtures.js';

const at = new Date('2030-01-02T03:04:05.678Z');
const metadata = { actor: { keyId: 'key_1', role: 'admin' }, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };

let f: StoreFixture;
let store: PgEventStore;

beforeAll(async () => {
  f = await createStoreFixture(busNames('tbus'));
  store = f.store;
});
afterAll(() => f.close());

const append = (streamId: string, expectedVersion: number, count = 1) =>
  store.transaction((tx) =>
    store.append(tx, {
      streamId,
      expectedVersion,
      tenantId: 'ten_1',
      events: Array.from({ length: count }, (_, i) => counterEvent(i + 1)),
      metadata,
      at,
    }),
  );

/** readAll from `from` until `n` events arrived (other transactions on the server may hold the horizon back briefly). */
async function readAllUntil(from: Checkpoint, n: number, streams: ReadonlySet<string>): Promise<StoredEvent[]> {
  let checkpoint = from;
  const seen: StoredEvent[] = [];
  return eventually(`${n} events from readAll`, async () => {
    const page = await store.readAll(checkpoint, 100);
    checkpoint = page.checkpoint;
    seen.push(...page.events.filter((e) => streams.has(e.streamId)));
    return seen.length >= n ? seen : undefined;
  });
}

describe('PgEventStore', () => {
  it('appends, reads back, and writes one outbox row per event in the same transaction', async () => {
    const r = await append('counter-rt', 0, 2);
    expect(r.ok).toBe(true);
    const read = await store.readStream('counter-rt');
    expect(read.version).toBe(2);
    expect(read.events.map((e) => [e.version, e.type, e.data])).toEqual([
      [1, 'Incremented', { by: 1 }],
      [2, 'Incremented', { by: 2 }],
    ]);
    expect(read.events[0]).toMatchObject({ streamId: 'counter-rt', tenantId: 'ten_1', metadata, recordedAt: at });
    expect(r.ok && r.value).toEqual(read.events);

    const outbox: { event_id: string; subject: string; payload: string; headers: object }[] = await f.ds.query(
      `SELECT event_id, subject, payload, headers FROM ${store.table('outbox')} WHERE event_id = ANY($1) ORDER BY position`,
      [read.events.map((e) => e.eventId)],
    );
    expect(outbox).toHaveLength(2);
    expect(outbox[0]?.subject).toBe('tbus.events.ten_1.counter.incremented');
    expect(JSON.parse(outbox[0]?.payload ?? '')).toEqual({
      by: 1,
      eventId: read.events[0]?.eventId,
      type: 'counter.incremented',
      tenantId: 'ten_1',
      at: at.toISOString(),
    });
    expect(outbox[0]?.headers).toEqual({ traceparent: metadata.traceparent });
  });

  it('reads an unknown stream as version 0', async () => {
    expect(await store.readStream('nope')).toEqual({ version: 0, events: [] });
  });

  it('returns a VersionConflict value for a stale expected version and leaves the transaction usable', async () => {
    await append('counter-stale', 0);
    const result = await store.transaction(async (tx) => {
      const r = await store.append(tx, { streamId: 'counter-stale', expectedVersion: 0, tenantId: 'ten_1', events: [counterEvent()], metadata: {}, at });
      const [row] = await tx.query('SELECT 1 AS one');
      return { r, row };
    });
    expect(result.row).toEqual({ one: 1 });
    expect(result.r).toEqual({
      ok: false,
      error: { code: 'version_conflict', streamId: 'counter-stale', expected: 0, actual: 1, message: 'stream counter-stale is at version 1, expected 0' },
    });
  });

  it('lets exactly one of two colliding transactions append at one expected version', async () => {
    const release = deferred();
    const aAppended = deferred();
    const a = store.transaction(async (tx) => {
      const r = await store.append(tx, { streamId: 'counter-race', expectedVersion: 0, tenantId: 'ten_1', events: [counterEvent(1)], metadata: {}, at });
      aAppended.resolve();
      await release.promise;
      return r;
    });
    await aAppended.promise;
    // B passes the version check (A is uncommitted) and then blocks on A's row in the unique index.
    const b = store.transaction(async (tx) => {
      const r = await store.append(tx, { streamId: 'counter-race', expectedVersion: 0, tenantId: 'ten_1', events: [counterEvent(2)], metadata: {}, at });
      await tx.query('SELECT 1');
      return r;
    });
    await lockWaiter(f.ds);
    release.resolve();
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra.ok).toBe(true);
    expect(rb).toMatchObject({ ok: false, error: { code: 'version_conflict', expected: 0, actual: 1 } });
    const read = await store.readStream('counter-race');
    expect(read.events.map((e) => e.data)).toEqual([{ by: 1 }]);
    const outbox: { n: number }[] = await f.ds.query(
      `SELECT count(*)::int AS n FROM ${store.table('outbox')} o JOIN ${store.table('events')} e USING (event_id) WHERE e.stream_id = 'counter-race'`,
    );
    expect(outbox[0]?.n).toBe(1);
  });

  it('lets exactly one of many concurrent appenders win', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => append('counter-many', 0)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.error.code)).toEqual(Array(7).fill('version_conflict'));
    expect((await store.readStream('counter-many')).version).toBe(1);
  });

  it('rejects a reused event id instead of reporting it as a version conflict', async () => {
    const event = counterEvent();
    await store.transaction((tx) => store.append(tx, { streamId: 'dup-a', expectedVersion: 0, tenantId: 'ten_1', events: [event], metadata: {}, at }));
    await expect(
      store.transaction((tx) => store.append(tx, { streamId: 'dup-b', expectedVersion: 0, tenantId: 'ten_1', events: [event], metadata: {}, at })),
    ).rejects.toThrow(/events_event_id_key/);
  });

  it('readAll never skips a transaction that commits after a later one', async () => {
    const start = (await store.readAll(START_CHECKPOINT, 10_000)).checkpoint;
    const release = deferred();
    const aAppended = deferred();
    const a = store.transaction(async (tx) => {
      await store.append(tx, { streamId: 'late-a', expectedVersion: 0, tenantId: 'ten_1', events: [counterEvent()], metadata: {}, at });
      aAppended.resolve();
      await release.promise;
    });
    await aAppended.promise;
    expect((await append('late-b', 0)).ok).toBe(true);

    // B is committed and has the higher position, but A is still in flight: B must wait for it.
    const early = await store.readAll(start, 100);
    expect(early.events.filter((e) => e.streamId.startsWith('late-'))).toEqual([]);

    release.resolve();
    await a;
    const events = await readAllUntil(early.checkpoint, 2, new Set(['late-a', 'late-b']));
    expect(events.map((e) => e.streamId)).toEqual(['late-a', 'late-b']);
    expect(BigInt(events[0]?.position ?? 0)).toBeLessThan(BigInt(events[1]?.position ?? 0));
  });

  it('readAll pages through the global order without gaps or repeats', async () => {
    await append('page-1', 0, 3);
    await append('page-2', 0, 2);
    const streams = new Set(['page-1', 'page-2']);
    const all = await readAllUntil(START_CHECKPOINT, 5, streams);
    let checkpoint = START_CHECKPOINT;
    const paged: string[] = [];
    for (let i = 0; i < 100 && paged.length < 5; i++) {
      const page = await store.readAll(checkpoint, 2);
      checkpoint = page.checkpoint;
      paged.push(...page.events.filter((e) => streams.has(e.streamId)).map((e) => e.eventId));
    }
    expect(paged).toEqual(all.map((e) => e.eventId));
  });

  it('orders by numeric position, not by its text form', async () => {
    const from = (await store.readAll(START_CHECKPOINT, 10_000)).checkpoint;
    // Positions 9995..10006 sort differently as text.
    await f.ds.query(`SELECT setval(pg_get_serial_sequence('es_spec.events', 'position'), 9994)`);
    await append('numeric-order', 0, 12);
    const events = await readAllUntil(from, 12, new Set(['numeric-order']));
    expect(events.map((e) => e.version)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    const positions = events.map((e) => BigInt(e.position));
    expect(positions).toEqual([...positions].sort((a, b) => (a < b ? -1 : 1)));
  });

  it('migrate is idempotent', async () => {
    await store.migrate();
    const rows: { id: string }[] = await f.ds.query(`SELECT id FROM es_spec.schema_migrations`);
    expect(rows.map((r) => r.id)).toEqual(['event-store/001-events-outbox-checkpoints', 'event-store/002-append-batch-function']);
  });
});
