import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { busNames } from '@switchboard/contracts';
import { createLogger } from '@switchboard/telemetry';
import { DurableConsumer } from './durable.consumer.js';
import type { DurableConsumerOptions, ReceivedEvent } from './durable.consumer.js';
import { ensureEventsStream, jetStreamClient, publishEvent } from './events.stream.js';
import { connectNats } from './nats.connection.js';
import { delay, waitFor } from './testing/wait.js';

const names = busNames(`t${randomBytes(5).toString('hex')}`);
const cfg = { url: process.env['NATS_URL'] || 'nats://127.0.0.1:4222', namespace: names.namespace, name: 'in-flight-spec' };
const quiet = createLogger('in-flight-spec', { write: () => undefined });

describe('DurableConsumer: messages in flight', () => {
  const running: DurableConsumer[] = [];
  let nc: NatsConnection;
  let js: JetStreamClient;
  let published = 0;

  const consumer = async (durable: string, options: Partial<DurableConsumerOptions> = {}) => {
    const created = await DurableConsumer.create(nc, names, { durable, filterSubjects: [names.eventFilter(`spec.${durable}`)], logger: quiet, ...options });
    running.push(created);
    return created;
  };
  const publish = (durable: string, data: unknown, headers: Record<string, string> = {}) =>
    publishEvent(js, names.event('ten_1', `spec.${durable}`), JSON.stringify(data), { msgId: `evt_${++published}`, headers });
  const pending = async (durable: string) => {
    const info = await (await jetstreamManager(nc)).consumers.info(names.eventsStream, names.durable(durable));
    return { unacked: info.num_ack_pending, undelivered: info.num_pending };
  };

  beforeAll(async () => {
    nc = await connectNats(cfg);
    js = jetStreamClient(nc);
    await ensureEventsStream(nc, names);
  });

  afterAll(async () => {
    await Promise.all(running.map((c) => c.stop()));
    await (await jetstreamManager(nc)).streams.delete(names.eventsStream).catch(() => false);
    await nc.close();
  });

  it('keeps every handler in flight alive past ack_wait, so none of their events is redelivered meanwhile', async () => {
    const deliveries: ReceivedEvent[] = [];
    const slow = await consumer('slow', { ackWaitMs: 400, concurrency: 3 });
    slow.start(async (event) => {
      deliveries.push(event);
      // Five ack waits: without progress acks each event would come back four times while its handler runs.
      await delay(2_000);
    });
    for (const n of [1, 2, 3]) await publish('slow', { n });
    await waitFor(() => deliveries.length === 3);
    expect(await pending('slow')).toEqual({ unacked: 3, undelivered: 0 });
    await delay(2_300);
    expect(deliveries.map((e) => [e.data, e.deliveryCount])).toEqual([
      [{ n: 1 }, 1],
      [{ n: 2 }, 1],
      [{ n: 3 }, 1],
    ]);
    expect(await pending('slow')).toEqual({ unacked: 0, undelivered: 0 });
  }, 10_000);

  it('never has more than `concurrency` handlers running while a backlog waits, and handles all of it', async () => {
    const seen = new Set<number>();
    let active = 0;
    let maxActive = 0;
    for (let n = 1; n <= 40; n++) await publish('backlog', { n });
    const backlog = await consumer('backlog', { concurrency: 5, batchSize: 20 });
    backlog.start(async (event) => {
      active++;
      maxActive = Math.max(maxActive, active);
      await delay(5);
      seen.add((event.data as { n: number }).n);
      active--;
    });
    await waitFor(() => seen.size === 40);
    expect(maxActive).toBe(5);
    await delay(100);
    expect(await pending('backlog')).toEqual({ unacked: 0, undelivered: 0 });
  });

  it("hands the handler the message's headers when it reads them", async () => {
    const received: ReceivedEvent[] = [];
    const withHeaders = await consumer('headers');
    withHeaders.start(async (event) => {
      received.push(event);
    });
    await publish('headers', { n: 1 }, { 'Sb-Proof': 'proof-value' });
    await waitFor(() => received.length === 1);
    expect(received[0]?.headers).toEqual(expect.objectContaining({ 'Nats-Msg-Id': `evt_${published}`, 'Sb-Proof': 'proof-value' }));
  });
});
