import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { SpanKind, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OutboxRelay } from './outbox.relay.js';
import { counterEvent, createStoreFixture, type StoreFixture } from './testing/fixtures.js';
import { createTestStream, natsUrl, type TestStream } from './testing/test-stream.js';

const exporter = new InMemorySpanExporter();
let f: StoreFixture;
let bus: TestStream;

beforeAll(async () => {
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  bus = await createTestStream();
  f = await createStoreFixture(bus.names);
});
afterAll(async () => {
  await f.close();
  await bus.drop();
  trace.disable();
});

describe('spans', () => {
  it('shows append, readStream and relay batches as Postgres CLIENT spans', async () => {
    const { store } = f;
    exporter.reset();
    await store.transaction((tx) =>
      store.append(tx, { streamId: 'spans', expectedVersion: 0, tenantId: 'ten_1', events: [counterEvent()], metadata: {}, at: new Date() }),
    );
    await store.readStream('spans');
    await new OutboxRelay(store, bus.js, { listen: false }).relayOnce();

    const spans = exporter.getFinishedSpans().map((s) => ({ name: s.name, kind: s.kind, attributes: s.attributes }));
    expect(spans).toEqual([
      expect.objectContaining({ name: 'event_store.append', kind: SpanKind.CLIENT, attributes: expect.objectContaining({ 'db.system': 'postgresql', 'db.operation': 'INSERT', 'switchboard.event_count': 1 }) }),
      expect.objectContaining({ name: 'event_store.read_stream', kind: SpanKind.CLIENT, attributes: expect.objectContaining({ 'db.system': 'postgresql', 'db.operation': 'SELECT' }) }),
      // One PRODUCER span per event published (messaging conventions), ended inside the relay batch's span.
      expect.objectContaining({
        name: 'send counter.incremented',
        kind: SpanKind.PRODUCER,
        attributes: expect.objectContaining({ 'messaging.system': 'nats', 'messaging.operation.type': 'send', 'messaging.message.id': expect.any(String) }),
      }),
      expect.objectContaining({ name: 'outbox.relay', kind: SpanKind.CLIENT, attributes: expect.objectContaining({ 'db.system': 'postgresql', 'switchboard.outbox.published': 1 }) }),
    ]);
  });

  it('records a failed relay batch as an error span', async () => {
    const { store } = f;
    await store.transaction((tx) =>
      store.append(tx, { streamId: 'spans-fail', expectedVersion: 0, tenantId: 'ten_1', events: [counterEvent()], metadata: {}, at: new Date() }),
    );
    exporter.reset();
    const closed = await connect({ servers: natsUrl() });
    const js = jetstream(closed);
    await closed.close();
    await expect(new OutboxRelay(store, js, { listen: false }).relayOnce()).rejects.toThrow();
    const span = exporter.getFinishedSpans().find((s) => s.name === 'outbox.relay');
    expect(span?.status.code).toBe(2);
    expect(span?.events.map((e) => e.name)).toEqual(['exception']);
  });
});
