import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { EventStoreLogger, NewEvent } from './event-store.types.js';
import { OutboxRelay } from './outbox.relay.js';
import type { PgEventStore } from './pg-event-store.js';
import { deferred, eventually } from './testing/async-helpers.js';
import { counterEvent, createStoreFixture, type StoreFixture } from './testing/fixtures.js';
import { createTestStream, natsUrl, type TestStream } from './testing/test-stream.js';

const at = new Date('2030-01-02T03:04:05.678Z');
const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

let f: StoreFixture;
let bus: TestStream;
let store: PgEventStore;
let relay: OutboxRelay;
let streamCounter = 0;

beforeAll(async () => {
  bus = await createTestStream();
  f = await createStoreFixture(bus.names);
  store = f.store;
  relay = new OutboxRelay(store, bus.js, { listen: false });
});
afterAll(async () => {
  await f.close();
  await bus.drop();
});
beforeEach(async () => {
  // Each test starts from an empty backlog.
  while ((await relay.relayOnce()) > 0);
});

async function appendOne(event: NewEvent = counterEvent()): Promise<NewEvent> {
  streamCounter++;
  const r = await store.transaction((tx) =>
    store.append(tx, { streamId: `relay-${streamCounter}`, expectedVersion: 0, tenantId: 'ten_1', events: [event], metadata: { traceparent }, at }),
  );
  if (!r.ok) throw new Error(r.error.message);
  return event;
}

async function unpublished(): Promise<number> {
  const rows: { n: number }[] = await f.ds.query(`SELECT count(*)::int AS n FROM ${store.table('outbox')} WHERE published_at IS NULL`);
  return rows[0]?.n ?? -1;
}

async function lastMessage() {
  const info = await bus.jsm.streams.info(bus.names.eventsStream);
  return bus.jsm.streams.getMessage(bus.names.eventsStream, { seq: info.state.last_seq });
}

describe('OutboxRelay', () => {
  it('publishes with Nats-Msg-Id = event id and the stored trace headers, then marks the row published', async () => {
    const event = await appendOne();
    expect(await relay.relayOnce()).toBe(1);
    expect(await unpublished()).toBe(0);
    const msg = await lastMessage();
    expect(msg?.subject).toBe(bus.names.event('ten_1', 'counter.incremented'));
    expect(msg?.header.get('Nats-Msg-Id')).toBe(event.eventId);
    expect(msg?.header.get('traceparent')).toBe(traceparent);
    expect(msg?.json()).toEqual({ by: 1, eventId: event.eventId, type: 'counter.incremented', tenantId: 'ten_1', at: at.toISOString() });
  });

  it('publishes a row that commits after a later row was already relayed', async () => {
    const before = await bus.messageCount();
    const release = deferred();
    const aAppended = deferred();
    const eventA = counterEvent();
    const a = store.transaction(async (tx) => {
      await store.append(tx, { streamId: 'late-a', expectedVersion: 0, tenantId: 'ten_1', events: [eventA], metadata: {}, at });
      aAppended.resolve();
      await release.promise;
    });
    await aAppended.promise;
    const eventB = await appendOne();

    expect(await relay.relayOnce()).toBe(1);
    expect((await lastMessage())?.header.get('Nats-Msg-Id')).toBe(eventB.eventId);

    release.resolve();
    await a;
    expect(await relay.relayOnce()).toBe(1);
    expect((await lastMessage())?.header.get('Nats-Msg-Id')).toBe(eventA.eventId);
    expect(await bus.messageCount()).toBe(before + 2);
    expect(await unpublished()).toBe(0);
  });

  it('a republished row (crash after publish, before marking) is dropped by JetStream as a duplicate', async () => {
    const event = await appendOne();
    expect(await relay.relayBatch()).toEqual({ published: 1, duplicates: 0 });
    const count = await bus.messageCount();

    await f.ds.query(`UPDATE ${store.table('outbox')} SET published_at = NULL WHERE event_id = $1`, [event.eventId]);
    expect(await relay.relayBatch()).toEqual({ published: 1, duplicates: 1 });
    expect(await bus.messageCount()).toBe(count);
    expect(await unpublished()).toBe(0);
  });

  it('marks what was published before a failing row and stops there, keeping position order', async () => {
    const first = await appendOne();
    // A subject no stream captures: JetStream has no responder for it, as when the stream is missing.
    await f.ds.query(
      `INSERT INTO ${store.table('outbox')} (event_id, subject, payload) VALUES ($1, $2, '{}')`,
      [`evt_orphan_${Date.now()}`, `${bus.names.namespace}.nowhere.x`],
    );
    await appendOne();
    await expect(relay.relayOnce()).rejects.toThrow();
    const rows: { event_id: string; published: boolean }[] = await f.ds.query(
      `SELECT event_id, published_at IS NOT NULL AS published FROM ${store.table('outbox')} ORDER BY position DESC LIMIT 3`,
    );
    expect(rows.reverse().map((r) => r.published)).toEqual([true, false, false]);
    expect(rows[0]?.event_id).toBe(first.eventId);
    // Once the row is dealt with, the relay carries on from where it stopped.
    await f.ds.query(`DELETE FROM ${store.table('outbox')} WHERE event_id LIKE 'evt_orphan_%'`);
    expect(await relay.relayOnce()).toBe(1);
  });

  it('replicas share the backlog without publishing a row twice', async () => {
    const before = await bus.messageCount();
    for (let i = 0; i < 40; i++) await appendOne();
    const replicas = [0, 1, 2].map(() => new OutboxRelay(store, bus.js, { batchSize: 5, listen: false }));
    const batches = await Promise.all(
      replicas.map(async (r) => {
        const seen = [];
        for (let b = await r.relayBatch(); b.published > 0; b = await r.relayBatch()) seen.push(b);
        return seen;
      }),
    );
    const all = batches.flat();
    expect(all.reduce((n, b) => n + b.published, 0)).toBe(40);
    expect(all.reduce((n, b) => n + b.duplicates, 0)).toBe(0);
    expect(await bus.messageCount()).toBe(before + 40);
  });

  it('keeps rows unpublished while NATS is unreachable, backs off, and publishes them once NATS works', async () => {
    const deadNc = await connect({ servers: natsUrl() });
    const deadJs = jetstream(deadNc);
    await deadNc.close();
    const warnings: Record<string, unknown>[] = [];
    const logger: EventStoreLogger = { warn: (_msg, fields) => warnings.push(fields ?? {}), error: () => undefined };
    const broken = new OutboxRelay(store, deadJs, { logger, listen: false, backoffBaseMs: 20, backoffMaxMs: 40, pollMs: 10 });

    const before = await bus.messageCount();
    await appendOne();
    await appendOne();
    await expect(broken.relayOnce()).rejects.toThrow();
    expect(await unpublished()).toBe(2);

    broken.start();
    try {
      await eventually('three failed passes', async () => (warnings.length >= 3 ? true : undefined));
    } finally {
      await broken.stop();
    }
    expect(warnings[0]).toMatchObject({ schema: store.schema, failures: 1 });
    expect(warnings[2]).toMatchObject({ failures: 3 });
    expect(await unpublished()).toBe(2);
    expect(await bus.messageCount()).toBe(before);

    expect(await relay.relayOnce()).toBe(2);
    expect(await bus.messageCount()).toBe(before + 2);
  });

  it('wakes on the append NOTIFY (poll interval far away), claims without probing, and stops cleanly', async () => {
    const live = new OutboxRelay(store, bus.js, { pollMs: 60_000 });
    const listening = async () => {
      const rows: unknown[] = await f.ds.query(
        `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'`,
      );
      return rows.length > 0 ? true : undefined;
    };
    // Counts the emptiness probes: a pass woken by a NOTIFY claims at once, without one.
    const query = store.dataSource.query.bind(store.dataSource);
    let probes = 0;
    store.dataSource.query = ((sql: string, ...rest: unknown[]) => {
      if (sql.startsWith(`SELECT 1 FROM ${store.table('outbox')}`)) probes++;
      return (query as (sql: string, ...rest: unknown[]) => Promise<unknown>)(sql, ...rest);
    }) as typeof store.dataSource.query;
    live.start();
    let stopMs: number;
    let probesBeforeAppends = -1;
    try {
      await eventually('the relay LISTEN connection', listening);
      await eventually('the first (probing) pass', async () => (probes > 0 ? true : undefined));
      probesBeforeAppends = probes;
      for (let i = 0; i < 2; i++) {
        const event = await appendOne();
        await eventually(`event ${i} on the stream`, async () =>
          (await lastMessage())?.header.get('Nats-Msg-Id') === event.eventId ? true : undefined,
        3_000);
      }
    } finally {
      const stopping = Date.now();
      await live.stop();
      stopMs = Date.now() - stopping;
      store.dataSource.query = query;
    }
    expect(probes).toBe(probesBeforeAppends);
    expect(stopMs).toBeLessThan(1_000);
    expect(await listening()).toBeUndefined();
    expect(await unpublished()).toBe(0);
  });
});
