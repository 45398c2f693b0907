import { randomBytes } from 'node:crypto';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { busNames } from '@switchboard/contracts';
import { jetStreamUsageSink } from './usage.sink.js';

const url = process.env['NATS_URL'] || 'nats://127.0.0.1:4222';

/** The usage events' way onto the bus: acknowledged by JetStream, deduplicated by the event's id. */
describe('jetStreamUsageSink (local NATS)', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const names = busNames(`t${randomBytes(5).toString('hex')}`);
  const subject = names.event('ten_1', 'usage.recorded');

  beforeAll(async () => {
    nc = await connect({ servers: url });
    jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: names.eventsStream, subjects: [names.eventsSubjects], duplicate_window: 60e9 });
  });

  afterAll(async () => {
    await jsm.streams.delete(names.eventsStream).catch(() => false);
    await nc.close();
  });

  it('stores an event once however often it is published under the same id', async () => {
    const sink = jetStreamUsageSink(() => nc);
    await sink.publish(subject, '{"eventId":"req_1"}', { msgId: 'req_1' });
    await sink.publish(subject, '{"eventId":"req_1"}', { msgId: 'req_1' });
    await sink.publish(subject, '{"eventId":"req_2"}', { msgId: 'req_2' });
    expect((await jsm.streams.info(names.eventsStream)).state.messages).toBe(2);
  });

  it('rejects while NATS is not connected, so the publisher spools the event', async () => {
    const sink = jetStreamUsageSink(() => null);
    expect(sink.connected()).toBe(false);
    await expect(sink.publish(subject, '{}', { msgId: 'req_3' })).rejects.toThrow('NATS is not connected');
  });
});
