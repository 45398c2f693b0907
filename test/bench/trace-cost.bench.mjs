// What exporting traces costs the gateway (after `npm run build`: `node test/bench/trace-cost.bench.mjs`): a stack with
// two gateways, #0 with traces off and #1 exporting them to a local sink, both on the same tenant (RPM limit, budget,
// priced model) and mock upstream, called in turns with non-streamed chat completions at concurrency 32; the gateway
// CPU per call of each (utime + stime from /proc, the batch processor's next export included). The ladder's rungs 9
// and 10 measure the same among much else; this is the short way.
// Env: TRACE_SECONDS (per gateway and round; default 5), TRACE_ROUNDS (default 4), TRACE_GATEWAY_ARGS (node arguments
// of both gateways, e.g. `--enable-source-maps --cpu-prof --cpu-prof-dir=/tmp/prof`), TRACE_ENV (JSON: more
// environment for #1, e.g. `{"OTEL_EXPORTER_OTLP_PROTOCOL":"http/protobuf"}`).
import { readFileSync } from 'node:fs';
import { MockLlmUpstream, Stack, deleteEventsStream } from '@switchboard/testing';
import { UPSTREAM_KEY, chatCaller, cpuTicks, proxyTenant, sample, sleep } from './bench-kit.mjs';
import { startTraceSink } from './contenders.mjs';

const SECONDS = Number(process.env.TRACE_SECONDS ?? 5);
const ROUNDS = Number(process.env.TRACE_ROUNDS ?? 4);
const CONCURRENCY = 32;
const TICK_US = 10_000;
const WARMUP = 20;
const args = process.env.TRACE_GATEWAY_ARGS?.split(' ').filter(Boolean);

const mock = await new MockLlmUpstream({ requiredKey: UPSTREAM_KEY, outputTokens: 16 }).start();
const sink = await startTraceSink();
const stack = await Stack.start({
  env: { SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32' },
  replicas: { gateway: 2 },
  replicaEnv: { gateway: [{ OTEL_EXPORTER_OTLP_ENDPOINT: '' }, { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, ...JSON.parse(process.env.TRACE_ENV ?? '{}') }] },
  ...(args ? { nodeArgs: { gateway: args } } : {}),
});
const rows = [];
try {
  const { agentKey } = await proxyTenant(stack, mock, { rpm: 10_000_000, budget: 1e9 });
  const gateways = [0, 1].map((index) => ({
    index,
    pid: stack.running('gateway').find((s) => s.index === index).child.pid,
    caller: chatCaller(stack.gatewayUrls[index], '/v1/chat/completions', { authorization: `Bearer ${agentKey}` }, false),
    ticks: 0,
    calls: 0,
    seconds: 0,
  }));
  for (const g of gateways) await sample(g.caller, 8, { n: 0, seconds: 3, warmup: 0 });
  for (let round = 0; round < ROUNDS; round++) {
    process.stdout.write(`  round ${round + 1}/${ROUNDS}:`);
    for (const g of round % 2 === 0 ? gateways : [...gateways].reverse()) {
      process.stdout.write(` #${g.index}…`);
      const before = cpuTicks(g.pid);
      const run = await sample(g.caller, CONCURRENCY, { n: 0, seconds: SECONDS, warmup: WARMUP });
      // Past the batch processor's schedule (1 s), so what the run queued is exported and counted.
      await sleep(1500);
      g.ticks += cpuTicks(g.pid) - before;
      g.calls += run.samples.length + WARMUP;
      g.seconds += run.seconds;
    }
    process.stdout.write('\n');
  }
  for (const g of gateways) {
    await g.caller.close();
    rows.push({ gateway: g.index === 0 ? '#0 traces off' : '#1 traces exported', calls: g.calls, 'req/s': Math.round(g.calls / g.seconds), 'gateway CPU µs/call': Math.round((g.ticks * TICK_US) / g.calls) });
  }
} finally {
  await stack.stop();
  await deleteEventsStream(stack.names);
  await sink.stop();
  await mock.stop();
}
console.log(`\nGateway CPU per call, non-streamed at c=${CONCURRENCY} (${sink.exports()} exports received; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})`);
console.table(rows);
