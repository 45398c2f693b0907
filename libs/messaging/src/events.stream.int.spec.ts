import { randomBytes } from 'node:crypto';
import { StorageType, jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamClient } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { busNames } from '@switchboard/contracts';
import { connectNats } from './nats.connection.js';
import { ensureEventsStream, jetStreamClient, publishEvent } from './events.stream.js';

const names = busNames(`t${randomBytes(5).toString('hex')}`);
const url = process.env['NATS_URL'] || 'nats://127.0.0.1:4222';

describe('events stream', () => {
  let nc: NatsConnection;
  let js: JetStreamClient;

  beforeAll(async () => {
    nc = await connectNats({ url, namespace: names.namespace, name: 'events-stream-spec' });
    js = jetStreamClient(nc);
  });

  afterAll(async () => {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(names.eventsStream).catch(() => false);
    await nc.close();
  });

  it('creates the stream with file storage and a 2 minute duplicate window, idempotently', async () => {
    await ensureEventsStream(nc, names);
    await ensureEventsStream(nc, names);
    const jsm = await jetstreamManager(nc);
    const { config } = await jsm.streams.info(names.eventsStream);
    expect(config.subjects).toEqual([names.eventsSubjects]);
    expect(config.storage).toBe(StorageType.File);
    expect(config.duplicate_window).toBe(nanos(120_000));
  });

  it('brings an existing stream to the wanted duplicate window', async () => {
    await ensureEventsStream(nc, names, { duplicateWindowMs: 30_000 });
    const jsm = await jetstreamManager(nc);
    expect((await jsm.streams.info(names.eventsStream)).config.duplicate_window).toBe(nanos(30_000));
    await ensureEventsStream(nc, names);
    expect((await jsm.streams.info(names.eventsStream)).config.duplicate_window).toBe(nanos(120_000));
  });

  it('drops a second publish with the same Nats-Msg-Id and reports it as a duplicate', async () => {
    await ensureEventsStream(nc, names);
    const subject = names.event('ten_1', 'spec.happened');
    const first = await publishEvent(js, subject, JSON.stringify({ n: 1 }), { msgId: 'evt_dedupe_1' });
    const again = await publishEvent(js, subject, JSON.stringify({ n: 1 }), { msgId: 'evt_dedupe_1' });
    const other = await publishEvent(js, subject, JSON.stringify({ n: 2 }), { msgId: 'evt_dedupe_2' });
    expect(first.duplicate).toBe(false);
    expect(again).toEqual({ duplicate: true, seq: first.seq });
    expect(other).toEqual({ duplicate: false, seq: first.seq + 1 });
    const jsm = await jetstreamManager(nc);
    const stored = await jsm.streams.getMessage(names.eventsStream, { seq: first.seq });
    expect(stored?.header.get('Nats-Msg-Id')).toBe('evt_dedupe_1');
  });
});
