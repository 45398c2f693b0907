import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { SpanKind, trace } from '@opentelemetry/api';
import type { SpanContext } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { busNames } from '@switchboard/contracts';
import { createLogger, startTelemetry, withSpan } from '@switchboard/telemetry';
import type { Telemetry } from '@switchboard/telemetry';
import { DurableConsumer } from './durable.consumer.js';
import type { DurableConsumerOptions, ReceivedEvent } from './durable.consumer.js';
import { ensureEventsStream, jetStreamClient, publishEvent } from './events.stream.js';
import { connectNats } from './nats.connection.js';
import { delay, waitFor } from './testing/wait.js';

const names = busNames(`t${randomBytes(5).toString('hex')}`);
const cfg = { url: process.env['NATS_URL'] || 'nats://127.0.0.1:4222', namespace: names.namespace, name: 'consumer-spec' };
const quiet = createLogger('consumer-spec', { write: () => undefined });

describe('DurableConsumer', () => {
  const exporter = new InMemorySpanExporter();
  const processor = new SimpleSpanProcessor(exporter);
  const running: DurableConsumer[] = [];
  let telemetry: Telemetry;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let published = 0;

  const consumer = async (durable: string, options: Partial<DurableConsumerOptions> = {}, conn = nc) => {
    const created = await DurableConsumer.create(conn, names, {
      durable,
      filterSubjects: [names.eventFilter(`spec.${durable}`)],
      retryDelayMs: 50,
      logger: quiet,
      ...options,
    });
    running.push(created);
    return created;
  };
  const publish = (durable: string, data: unknown) =>
    publishEvent(js, names.event('ten_1', `spec.${durable}`), JSON.stringify(data), { msgId: `evt_${++published}` });
  const pending = async (durable: string) => {
    const info = await (await jetstreamManager(nc)).consumers.info(names.eventsStream, names.durable(durable));
    return { unacked: info.num_ack_pending, undelivered: info.num_pending };
  };

  beforeAll(async () => {
    telemetry = startTelemetry('consumer-spec', { spanProcessors: [processor] });
    nc = await connectNats(cfg);
    js = jetStreamClient(nc);
    await ensureEventsStream(nc, names);
  });

  afterAll(async () => {
    await Promise.all(running.map((c) => c.stop()));
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(names.eventsStream).catch(() => false);
    await nc.close();
    await telemetry.shutdown();
  });

  it('redelivers an event after a handler error, then never again once acked', async () => {
    const deliveries: ReceivedEvent[] = [];
    const retrying = await consumer('retry', { ackWaitMs: 5000 });
    retrying.start(async (event) => {
      deliveries.push(event);
      if (event.deliveryCount === 1) throw new Error('transient failure');
    });
    await publish('retry', { n: 1 });
    await waitFor(() => deliveries.length >= 2);
    expect(deliveries.map((e) => [e.data, e.redelivered, e.deliveryCount])).toEqual([
      [{ n: 1 }, false, 1],
      [{ n: 1 }, true, 2],
    ]);
    await delay(300);
    expect(deliveries).toHaveLength(2);
    expect(await pending('retry')).toEqual({ unacked: 0, undelivered: 0 });
  });

  it('redelivers to a restarted consumer an event whose handler had not finished at stop', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first: ReceivedEvent[] = [];
    const before = await consumer('restart', { ackWaitMs: 500, stopGraceMs: 50 });
    before.start(async (event) => {
      first.push(event);
      await gate;
    });
    await publish('restart', { n: 1 });
    await waitFor(() => first.length === 1);
    await before.stop();

    const second: ReceivedEvent[] = [];
    const after = await consumer('restart', { ackWaitMs: 500 });
    after.start(async (event) => {
      second.push(event);
    });
    await waitFor(() => second.length === 1);
    expect(second[0]).toEqual(expect.objectContaining({ data: { n: 1 }, redelivered: true, deliveryCount: 2 }));

    release();
    await delay(100);
    expect(first).toHaveLength(1);
    expect(await pending('restart')).toEqual({ unacked: 0, undelivered: 0 });
  });

  it('redelivers an event whose process died before acking it', async () => {
    const doomed = await connectNats(cfg);
    const crashed = await consumer('crash', { ackWaitMs: 500, stopGraceMs: 10 }, doomed);
    const seen: ReceivedEvent[] = [];
    crashed.start(async (event) => {
      seen.push(event);
      await new Promise(() => undefined);
    });
    await publish('crash', { n: 7 });
    await waitFor(() => seen.length === 1);
    await doomed.close();

    const survivor = await consumer('crash', { ackWaitMs: 500 });
    const redelivered: ReceivedEvent[] = [];
    survivor.start(async (event) => {
      redelivered.push(event);
    });
    await waitFor(() => redelivered.length === 1);
    expect(redelivered[0]).toEqual(expect.objectContaining({ data: { n: 7 }, redelivered: true }));
  });

  it('does not redeliver acked events, across a restart with changed settings', async () => {
    const seen: unknown[] = [];
    const handler = async (event: ReceivedEvent) => {
      seen.push(event.data);
    };
    const before = await consumer('acked', { ackWaitMs: 300 });
    before.start(handler);
    for (const n of [1, 2, 3]) await publish('acked', { n });
    await waitFor(() => seen.length === 3);
    expect(seen).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    await before.stop();
    expect(await pending('acked')).toEqual({ unacked: 0, undelivered: 0 });

    const after = await consumer('acked', { ackWaitMs: 400 });
    after.start(handler);
    await delay(600);
    expect(seen).toHaveLength(3);
    const info = await (await jetstreamManager(nc)).consumers.info(names.eventsStream, names.durable('acked'));
    expect(info.config.ack_wait).toBe(400 * 1_000_000);
  });

  it('terminates an event that is not JSON instead of retrying it', async () => {
    const seen: unknown[] = [];
    const strict = await consumer('garbage', { ackWaitMs: 300 });
    strict.start(async (event) => {
      seen.push(event.data);
    });
    await publishEvent(js, names.event('ten_1', 'spec.garbage'), '{not json', { msgId: `evt_${++published}` });
    await publish('garbage', { ok: true });
    await waitFor(() => seen.length === 1);
    await delay(400);
    expect(seen).toEqual([{ ok: true }]);
    expect(await pending('garbage')).toEqual({ unacked: 0, undelivered: 0 });
  });

  it('gives up on an event after maxDeliver failed attempts', async () => {
    const attempts: number[] = [];
    const poisoned = await consumer('poison', { ackWaitMs: 2000, maxDeliver: 2 });
    poisoned.start(async (event) => {
      attempts.push(event.deliveryCount);
      throw new Error('always fails');
    });
    await publish('poison', { n: 1 });
    await waitFor(() => attempts.length === 2);
    await delay(300);
    expect(attempts).toEqual([1, 2]);
    expect(await pending('poison')).toEqual({ unacked: 0, undelivered: 0 });
  });

  it('handles up to `concurrency` events at once, acks each once and redelivers a failed one', async () => {
    const deliveries = new Map<number, number[]>();
    let active = 0;
    let maxActive = 0;
    const parallel = await consumer('parallel', { ackWaitMs: 5000, concurrency: 4 });
    parallel.start(async (event) => {
      const { n } = event.data as { n: number };
      deliveries.set(n, [...(deliveries.get(n) ?? []), event.deliveryCount]);
      active++;
      maxActive = Math.max(maxActive, active);
      try {
        await delay(50);
        if (n === 3 && event.deliveryCount === 1) throw new Error('transient failure');
      } finally {
        active--;
      }
    });
    for (let n = 1; n <= 12; n++) await publish('parallel', { n });
    await waitFor(() => deliveries.size === 12 && deliveries.get(3)?.length === 2);
    await delay(300);
    expect(maxActive).toBe(4);
    expect([...deliveries.keys()].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    for (const [n, counts] of deliveries) expect([n, counts]).toEqual([n, n === 3 ? [1, 2] : [1]]);
    expect(await pending('parallel')).toEqual({ unacked: 0, undelivered: 0 });
  });

  it('waits at stop for every handler in flight and acks the ones that finish', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const started: unknown[] = [];
    const finished: unknown[] = [];
    const parallel = await consumer('parallel-stop', { ackWaitMs: 5000, concurrency: 3 });
    parallel.start(async (event) => {
      started.push(event.data);
      await gate;
      finished.push(event.data);
    });
    for (const n of [1, 2, 3]) await publish('parallel-stop', { n });
    await waitFor(() => started.length === 3);
    const stopped = parallel.stop();
    await delay(100);
    expect(finished).toHaveLength(0);
    release();
    await stopped;
    expect(finished).toHaveLength(3);
    expect(await pending('parallel-stop')).toEqual({ unacked: 0, undelivered: 0 });
  });

  it('refuses a concurrency that is not a positive integer', async () => {
    await expect(consumer('bad-concurrency', { concurrency: 0 })).rejects.toThrow('concurrency must be a positive integer');
  });

  it("runs the handler in the event's trace, under a CONSUMER span", async () => {
    exporter.reset();
    let active: SpanContext | undefined;
    const traced = await consumer('traced');
    traced.start(async () => {
      await delay(1);
      active = trace.getActiveSpan()?.spanContext();
    });
    const producer = await withSpan('produce', { kind: SpanKind.PRODUCER }, async (span) => {
      await publish('traced', { n: 1 });
      return span.spanContext();
    });
    await waitFor(() => active !== undefined);
    await delay(20);
    await processor.forceFlush();
    const span = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.CONSUMER);
    expect(span?.name).toBe(`process ${names.durable('traced')}`);
    expect(span?.spanContext().traceId).toBe(producer.traceId);
    // publishEvent's own PRODUCER span sits between the caller's span and the consumer's.
    const send = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.PRODUCER && s.name === 'send spec.traced');
    expect(send?.parentSpanContext?.spanId).toBe(producer.spanId);
    expect(send?.attributes).toMatchObject({ 'messaging.system': 'nats', 'messaging.operation.type': 'send', 'messaging.destination.name': names.event('ten_1', 'spec.traced') });
    expect(span?.parentSpanContext?.spanId).toBe(send?.spanContext().spanId);
    expect(active?.spanId).toBe(span?.spanContext().spanId);
  });
});
