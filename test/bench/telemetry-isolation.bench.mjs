// Telemetry isolation benchmark (run by hand after `npm run build`: `node test/bench/telemetry-isolation.bench.mjs`).
// One stack whose services export spans to one OTLP endpoint on loopback, put in turn into three states:
//   up         an OTLP/HTTP stub that reads each export and answers 200 (a healthy collector),
//   refused    nothing listens on the port (a collector that is down: connections refused),
//   blackhole  the port accepts connections and never answers (a collector that is hung or its network black-holed).
// In each state, after a settling pause, chat completions with 16 output tokens are timed at concurrency 1 through the
// gateway and directly against the mock upstream; the table gives the latency the gateway adds (p50/p99 over direct).
// The states take turns in rotating order over BENCH_ROUNDS rounds (default 3), so drift on the machine falls on each
// alike. The gateway's CPU time per call (from /proc, warm-up included) is steadier than latency on a shared machine.
// The services run with the product's telemetry defaults (README "Configuration"). Options via env: BENCH_N
// (calls per state per round and mode, default 1500), BENCH_ROUNDS, BENCH_SETTLE_MS (pause after a switch, default
// 3000), BENCH_QUICK=1 (N 500, 1 round).
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { MockLlmUpstream, Stack, deleteEventsStream } from '@switchboard/testing';
import { UPSTREAM_KEY, chatCaller, cpuTicks, latencySummary, proxyTenant, sample, sleep } from './bench-kit.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const N = Number(process.env.BENCH_N ?? (QUICK ? 500 : 1500));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 1 : 3));
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 3000);
const STATES = ['up', 'refused', 'blackhole'];

/** One loopback port whose behaviour can be switched; counts the export requests the `up` stub answered. */
function switchableEndpoint() {
  const sockets = new Set();
  const stats = { exports: 0, bytes: 0 };
  const http = createHttpServer((req, res) => {
    req.on('data', (chunk) => (stats.bytes += chunk.length));
    req.on('end', () => {
      stats.exports++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  let state = 'refused';
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (state === 'up') http.emit('connection', socket);
    else socket.resume(); // black hole: read and drop, never answer
  });
  let port = 0;
  const listen = () => new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve((port = server.address().port))));
  const dropConnections = () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };
  return {
    stats,
    get endpoint() {
      return `http://127.0.0.1:${port}`;
    },
    start: listen,
    async set(next) {
      dropConnections();
      if (next === 'refused' && server.listening) await new Promise((resolve) => server.close(resolve));
      state = next;
      if (next !== 'refused' && !server.listening) await listen();
    },
    async stop() {
      dropConnections();
      if (server.listening) await new Promise((resolve) => server.close(resolve));
    },
  };
}

const collector = switchableEndpoint();
await collector.start();
const mock = await new MockLlmUpstream({ requiredKey: UPSTREAM_KEY, outputTokens: 16 }).start();
console.log(`Starting the stack, exporting spans to ${collector.endpoint}…`);
const stack = await Stack.start({
  otlpEndpoint: collector.endpoint,
  // The product's defaults, not the test harness's quick export schedule.
  env: { SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32', OTEL_BSP_SCHEDULE_DELAY: '' },
});
try {
  const { agentKey } = await proxyTenant(stack, mock, { rpm: 10_000_000, budget: 1_000_000_000 });
  const gatewayPid = stack.running('gateway')[0].child.pid;
  const samples = Object.fromEntries(STATES.flatMap((s) => ['non-streamed', 'streamed'].map((m) => [`${s}/${m}`, { direct: [], gateway: [], ticks: 0, calls: 0 }])));
  for (let round = 0; round < ROUNDS; round++) {
    const order = STATES.map((_, i) => STATES[(i + round) % STATES.length]);
    for (const state of order) {
      await collector.set(state);
      await sleep(SETTLE_MS);
      for (const stream of [false, true]) {
        const cell = samples[`${state}/${stream ? 'streamed' : 'non-streamed'}`];
        const direct = chatCaller(mock.baseUrl, '/v1/chat/completions', { authorization: `Bearer ${UPSTREAM_KEY}` }, stream);
        const viaGateway = chatCaller(stack.gatewayUrl, '/v1/chat/completions', { authorization: `Bearer ${agentKey}` }, stream);
        cell.direct.push(await sample(direct, 1, { n: N, warmup: 100 }));
        const ticks0 = cpuTicks(gatewayPid);
        cell.gateway.push(await sample(viaGateway, 1, { n: N, warmup: 100 }));
        cell.ticks += cpuTicks(gatewayPid) - ticks0;
        cell.calls += N + 100;
        await direct.close();
        await viaGateway.close();
      }
      console.log(`round ${round + 1}: ${state} done`);
    }
  }
  const rows = Object.entries(samples).map(([cell, { direct, gateway, ticks, calls }]) => {
    const d = latencySummary(...direct);
    const g = latencySummary(...gateway);
    const [collectorState, mode] = cell.split('/');
    return {
      collector: collectorState,
      mode,
      'direct p50 ms': d.p50.toFixed(3),
      'gateway p50 ms': g.p50.toFixed(3),
      'added p50 ms': (g.p50 - d.p50).toFixed(3),
      'added p99 ms': (g.p99 - d.p99).toFixed(3),
      'gateway req/s': Math.round(g.rps),
      // Clock ticks are 10 ms (USER_HZ 100).
      'gateway CPU µs/call': Math.round((ticks * 10_000) / calls),
      n: g.n,
    };
  });
  console.table(rows);
  console.log(`exports the 'up' stub answered: ${collector.stats.exports} (${(collector.stats.bytes / 1048576).toFixed(1)} MiB)`);
} finally {
  await stack.stop();
  await deleteEventsStream(stack.names);
  await mock.stop();
  await collector.stop();
}
