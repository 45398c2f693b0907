// What the record stage's usage event costs the gateway process, in isolation (after `npm run build`:
// `node test/bench/record-stage.bench.mjs`). On the local NATS server, in a stream of its own, it publishes
// BENCH_EVENTS (default 20,000) usage events BENCH_PER_TURN (default 32) per event-loop turn (as calls completing
// together at concurrency 32)
// four ways and prints the CPU time of this process per event: the gateway's UsagePublisher (JSON, a PRODUCER span,
// traceparent headers, a JetStream publish awaiting its ack), publishEvent alone, a bare JetStream publish with the
// Nats-Msg-Id, and a core NATS publish without an ack (what a publish costs before JetStream's request/reply).
// BENCH_RATE=<events/s>: instead, events come one per event-loop turn at that steady rate (as calls finishing one by
// one under load), through UsagePublisher with a batch window of 0 (each turn's events together), 2 and 5 ms; CPU
// per event of this process and of nats-server (shared with anything else on the machine) is printed.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
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
const PER_TURN = Number(process.env.BENCH_PER_TURN ?? 32);
const RATE = Number(process.env.BENCH_RATE ?? 0);
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

/** utime + stime of every nats-server process, in µs (clock ticks of 10 ms). */
function natsCpuUs() {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'nats-server') continue;
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return ticks * 10_000;
}

/** EVENTS events, one per event-loop turn, at RATE per second, through a publisher with the given window. */
async function paced(windowMs) {
  const spool = new UsageSpool(join(tmpdir(), `sb-bench-spool-${namespace}`));
  const publisher = new UsagePublisher({ names, spool, sink: jetStreamUsageSink(() => nc), logger, batchWindowMs: windowMs });
  const cpu = process.cpuUsage();
  const nats = natsCpuUs();
  const t0 = performance.now();
  for (let i = 0; i < EVENTS; i++) {
    const due = t0 + (i * 1000) / RATE;
    while (performance.now() < due) await new Promise((resolve) => setTimeout(resolve, 1));
    publisher.record('ten_bench', usage(`req_w${windowMs}_${i}`));
    await turn();
  }
  await publisher.stop();
  const used = process.cpuUsage(cpu);
  return {
    variant: `UsagePublisher, batch window ${windowMs === 0 ? '0 (one turn)' : `${windowMs} ms`}`,
    'CPU µs/event': ((used.user + used.system) / EVENTS).toFixed(1),
    'nats-server CPU µs/event': ((natsCpuUs() - nats) / EVENTS).toFixed(1),
    'events/s': Math.round(EVENTS / ((performance.now() - t0) / 1000)),
  };
}

const subject = names.event('ten_bench', 'usage.recorded');
const rows = [];
try {
  if (RATE > 0) {
    for (const windowMs of [0, 2, 5, 0, 2, 5]) rows.push(await paced(windowMs));
    console.log(`${EVENTS} usage events per row, one per event-loop turn at ${RATE}/s, local NATS (shared machine: figures vary run to run)`);
    console.table(rows);
    process.exit(0);
  }
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
