// Two builds of the gateway side by side on one stack (after `npm run build` in both): gateway #0 runs this checkout's
// build, gateway #1 the build whose main.js BENCH_OTHER_GATEWAY names (e.g. a worktree of the branch's start:
// `BENCH_OTHER_GATEWAY=/work/wt/base/apps/gateway/dist/main.js node test/bench/gateway-ab.bench.mjs`). Both are configured
// alike (traces off) and serve one tenant with every feature on (RPM limit, budget on a priced model, a usage event per
// call), with the floor beside them; the targets take turns in rotating order (interleaved.mjs), so that noise on a
// shared machine falls on both builds alike. Prints, per target: added p50/p99 over the mock at c=1, and at c=32
// requests/s and the CPU per call of its own process (front) and of the whole stack. Env: BENCH_N (calls at c=1,
// default 2000), BENCH_SECONDS (per target at c=32, default 6), BENCH_ROUNDS (default 4), BENCH_WARM_SECONDS (default 3).
import { fileURLToPath } from 'node:url';
import { MockLlmUpstream, Stack, deleteEventsStream } from '@switchboard/testing';
import { UPSTREAM_KEY, proxyTenant } from './bench-kit.mjs';
import { stackProcesses, startBenchServer } from './contenders.mjs';
import { ms, runCell, warmUp } from './interleaved.mjs';

const other = process.env.BENCH_OTHER_GATEWAY;
if (!other) throw new Error('set BENCH_OTHER_GATEWAY to the main.js of the other gateway build');
// Every service process inherits this environment: only gateway #1 may be told to run the other build.
delete process.env.GATEWAY_AB_MAIN;
const num = (name, fallback) => Number(process.env[name] ?? fallback);
const options = { rounds: num('BENCH_ROUNDS', 4), n: num('BENCH_N', 2000), seconds: num('BENCH_SECONDS', 6) };
const preload = fileURLToPath(new URL('./gateway-ab.preload.mjs', import.meta.url));

const mock = await new MockLlmUpstream({ requiredKey: UPSTREAM_KEY, outputTokens: 16 }).start();
const stack = await Stack.start({
  env: { SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32', OTEL_EXPORTER_OTLP_ENDPOINT: '' },
  replicas: { gateway: 2 },
  replicaEnv: { gateway: [{}, { GATEWAY_AB_MAIN: other }] },
  nodeArgs: { gateway: ['--enable-source-maps', '--import', preload] },
});
const floor = await startBenchServer('floor.server.mjs', { FLOOR_UPSTREAM: mock.baseUrl, FLOOR_UPSTREAM_KEY: UPSTREAM_KEY }, 'floor');
try {
  const { agentKey } = await proxyTenant(stack, mock, { rpm: 10_000_000, budget: 1e9 });
  const services = () => stack.services.filter((s) => s.name !== 'gateway' && s.child.exitCode === null).map((s) => s.child.pid);
  const gateway = (index, name) => {
    const pid = stack.running('gateway').find((s) => s.index === index).child.pid;
    const origin = stack.gatewayUrls[index];
    return { name, origin, headers: { authorization: `Bearer ${agentKey}` }, pid, processes: () => stackProcesses(stack, pid), backlog: () => [pid, ...services()] };
  };
  const targets = [
    { name: 'direct', origin: mock.baseUrl, headers: { authorization: `Bearer ${UPSTREAM_KEY}` }, pid: null, processes: () => [] },
    { name: 'floor', origin: floor.url, headers: { authorization: 'Bearer client' }, pid: floor.pid, processes: () => [floor.pid] },
    gateway(0, 'this build'),
    gateway(1, 'other build'),
  ];
  await warmUp(targets, num('BENCH_WARM_SECONDS', 3), [false]);
  const c1 = await runCell(targets, { stream: false, concurrency: 1, mode: 'non-streamed' }, options);
  const c32 = await runCell(targets, { stream: false, concurrency: 32, mode: 'non-streamed' }, options);
  const rows = targets.slice(1).map((t, i) => ({
    target: t.name,
    '+p50 ms': ms(c1[i + 1].p50 - c1[0].p50),
    '+p99 ms': ms(c1[i + 1].p99 - c1[0].p99),
    'over floor p50 ms': ms(c1[i + 1].p50 - c1[1].p50),
    'c=32 req/s': Math.round(c32[i + 1].rps),
    'front CPU µs/call': Math.round(c32[i + 1].frontCpuUs),
    'stack CPU µs/call': Math.round(c32[i + 1].cpuUs),
  }));
  console.log(`\nNon-streamed chat completions, 16 output tokens: this build (gateway #0) and ${other} (gateway #1), traces off`);
  console.table(rows);
} finally {
  await floor.stop();
  await stack.stop();
  await deleteEventsStream(stack.names);
  await mock.stop();
}
