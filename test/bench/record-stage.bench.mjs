// What the record stage's usage event costs the gateway process, in isolation (after `npm run build`:
// `node test/bench/record-stage.bench.mjs`). On the local NATS server, in a stream of its own, it publishes
// BENCH_EVENTS (default 20,000) usage events 32 per event-loop turn (as calls completing together at concurrency 32)
// four ways and prints the CPU time of this process per event: the gateway's UsagePublisher (JSON, a PRODUCER span,
// traceparent headers, a JetStream publish awaiting its ack), publishEvent alone, a bare JetStream publish with the
// Nats-Msg-Id, and a core NATS publish without an ack (what a publish costs before JetStream's request/reply).
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, headers as natsHeaders } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { busNames } from '@switchboard/contracts';
import { publishEvent } from '@switchboard/messaging';
import { createLogger } from '@switchboard/telemetry';
import { UsagePublisher } from '../../apps/gateway/dist/proxy/record/usage.publisher.js';
import { jetStreamUsageSink } from '../../apps/gateway/dist/proxy/record/usage.sink.js';
import { UsageSpool } from '../../apps/gateway/dist/proxy/record/usage.spool.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const PER_TURN = 32;
const namespace = `b${randomBytes(4).toString('hex')}`;
const names = busNames(namespace);
const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', noAsyncTraces: true });
const jsm = await jetstreamManager(nc);
await jsm.streams.add({ name: names.eventsStream, subjects: [names.eventsSubjects], max_age: 60e9, duplicate_window: 60e9 });
const js = jetstream(nc);
const logger = createLogger('bench', { level: 'error' });
const usage = (requestId) => ({
  requestId,
  agentId: 'agt_bench',
  providerId: 'prv_bench',
  model: 'bench',
  protocol: 'openai_chat',
  stream: false,
  status: 200,
  inputTokens: 9,
  outputTokens: 16,
  cachedTokens: 0,
  usageSource: 'upstream',
  costUsd: 0.000041,
  latencyMs: 1.234,
  ttfbMs: 1.1,
});
const turn = () => new Promise((resolve) => setImmediate(resolve));

async function measure(name, publishOne, settle = async () => undefined) {
  const pending = [];
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < EVENTS; i += PER_TURN) {
    for (let k = 0; k < PER_TURN && i + k < EVENTS; k++) pending.push(publishOne(`req_${name}_${i + k}`));
    await turn();
  }
  await Promise.all(pending);
  await settle();
  const used = process.cpuUsage(cpu);
  const seconds = (performance.now() - t0) / 1000;
  return { variant: name, 'CPU µs/event': ((used.user + used.system) / EVENTS).toFixed(1), 'events/s': Math.round(EVENTS / seconds) };
}

const subject = names.event('ten_bench', 'usage.recorded');
const rows = [];
try {
  const publisher = new UsagePublisher({ names, spool: new UsageSpool(join(tmpdir(), `sb-bench-spool-${namespace}`)), sink: jetStreamUsageSink(() => nc), logger });
  rows.push(await measure('UsagePublisher.record', (id) => publisher.record('ten_bench', usage(id)), () => publisher.stop()));
  rows.push(await measure('publishEvent (span, headers, ack)', (id) => publishEvent(js, subject, JSON.stringify({ eventId: id, ...usage(id) }), { msgId: id })));
  rows.push(
    await measure('JetStream publish (msg id, ack)', (id) => {
      const h = natsHeaders();
      return js.publish(subject, JSON.stringify({ eventId: id, ...usage(id) }), { msgID: id, headers: h });
    }),
  );
  rows.push(await measure('core NATS publish (no ack)', (id) => nc.publish(subject, JSON.stringify({ eventId: id, ...usage(id) })), () => nc.flush()));
  console.log(`${EVENTS} usage events, ${PER_TURN} per event-loop turn, local NATS (shared machine: figures vary run to run)`);
  console.table(rows);
} finally {
  await jsm.streams.delete(names.eventsStream).catch(() => false);
  await nc.close();
}
