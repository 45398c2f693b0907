// Switchboard against the floor of a Node proxy and the Portkey gateway, in one run (after `npm run build`:
// `npm run bench:compare`). Starts the mock LLM upstream (in this process, as proxy.bench.mjs does), a local OTLP
// sink, the Switchboard stack with two gateway processes (#0 with traces off, #1 exporting traces to the sink), the
// floor (floor.server.mjs: node:http that JSON-parses the body, swaps the key and forwards over an undici Pool) and
// the Portkey gateway (@portkey-ai/gateway, bound to 127.0.0.1 by a preloaded listen patch: it has no address
// option), all against the same mock. For chat completions with 16 output tokens, non-streamed and streamed, at
// concurrency 1, 32 and 128, it measures four targets: the mock directly, the floor, Switchboard with every feature on
// (agent key, provider rateLimitRpm 10,000,000, monthlyBudgetUsd 1e9 with a priced model, a usage event per call,
// traces exported: gateway #1) and Portkey (x-portkey-provider: openai, x-portkey-custom-host: the mock). Each cell is
// split into rounds, and every round runs the targets one after another in a rotating order (interleaved.mjs), so
// that noise on the machine hits all alike. Switchboard's CPU per call is summed over every process of the stack
// (gateway, services, NATS, the database's PostgreSQL backends and writers; NATS and PostgreSQL are shared with
// whatever else runs on the machine), counted until the services are idle again. Then the ablation ladder
// (ladder.mjs), the per-chunk delay of streamed answers (chunk-delay.mjs: direct, floor and Switchboard; chunks spaced
// apart by the mock, each timed from the mock's write to the client's read), and on the same stack: agent start → credential.issued p50/p99 (issuance.bench.mjs's probe), the
// usage projection lag at a steady rate (usage.bench.mjs's lag phase) and event appends/s (create-provider commands
// sustained, one event each, as in rest.bench.mjs).
// Env: BENCH_QUICK=1 (short run), BENCH_N (calls per target per cell at concurrency 1; default 2000, quick 500),
// BENCH_SECONDS (seconds per target per cell at concurrency > 1; default 6, quick 2), BENCH_ROUNDS (rounds per
// cell; default 3, quick 2), BENCH_CONCURRENCY (default `1,32,128`), BENCH_ONLY (what to run, comma-separated:
// `non-streamed`, `streamed`, `streamed:32`, …, `ladder`, `chunks`, `issuance`, `usage-lag`, `appends`), BENCH_PORTKEY=0 (leave
// Portkey out), BENCH_ISSUANCE_N (sequential starts per delivery; default 200, quick 50), BENCH_USAGE_RATE (events/s,
// default 1000), BENCH_USAGE_SECONDS (default 10, quick 4), BENCH_APPEND_SECONDS (default 5, quick 3),
// BENCH_APPEND_CONCURRENCY (default 16), BENCH_WARM_SECONDS (unmeasured calls per target and mode before the
// first cell; default 3, quick 1), BENCH_GATEWAY_ARGS (node arguments of both gateways, after the launcher's
// SERVICE_V8_FLAGS, which they override; e.g. `--cpu-prof
// --cpu-prof-dir=/tmp/prof`), BENCH_CHUNK_CALLS (streamed calls per target and concurrency; default 200, quick 60),
// BENCH_CHUNK_GAP_MS (the mock's gap between content chunks; default 20), BENCH_CHUNKS (content chunks per answer;
// default 8), BENCH_CHUNK_CONCURRENCY (default `1,32`).
import pg from 'pg';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { MAX_QUOTA } from '@switchboard/contracts';
import { ApiClient, MockLlmUpstream, Stack, deleteEventsStream } from '@switchboard/testing';
import { UPSTREAM_KEY, issuanceProbe, issuanceSetup, onlyFilter, pct, proxyTenant, sequentialStarts, sleep, sustained, usageProjection } from './bench-kit.mjs';
import { stackProcesses, startBenchServer, startPortkey, startTraceSink } from './contenders.mjs';
import { ms, ratio, runCell, warmUp } from './interleaved.mjs';
import { printChunkDelay, runChunkDelay } from './chunk-delay.mjs';
import { runLadder } from './ladder.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const num = (name, full, quick) => Number(process.env[name] ?? (QUICK ? quick : full));
const N = num('BENCH_N', 2000, 500);
const SECONDS = num('BENCH_SECONDS', 6, 2);
const ROUNDS = num('BENCH_ROUNDS', 3, 2);
const CONCURRENCIES = (process.env.BENCH_CONCURRENCY ?? '1,32,128').split(',').map(Number);
const ISSUANCE_N = num('BENCH_ISSUANCE_N', 200, 50);
const USAGE_RATE = num('BENCH_USAGE_RATE', 1000, 1000);
const USAGE_SECONDS = num('BENCH_USAGE_SECONDS', 10, 4);
const APPEND_SECONDS = num('BENCH_APPEND_SECONDS', 5, 3);
const APPEND_CONCURRENCY = num('BENCH_APPEND_CONCURRENCY', 16, 16);
const CHUNK_CALLS = num('BENCH_CHUNK_CALLS', 200, 60);
const CHUNK_GAP_MS = num('BENCH_CHUNK_GAP_MS', 20, 20);
const CHUNKS = num('BENCH_CHUNKS', 8, 8);
const CHUNK_CONCURRENCIES = (process.env.BENCH_CHUNK_CONCURRENCY ?? '1,32').split(',').map(Number);
const BUDGET_USD = 1e9;
const RPM = 10_000_000;

const { selected } = onlyFilter();
const cells = [false, true].flatMap((stream) =>
  CONCURRENCIES.map((concurrency) => ({ stream, concurrency, mode: stream ? 'streamed' : 'non-streamed' })).filter((c) =>
    selected(c.mode, `${c.mode}:${c.concurrency}`),
  ),
);

const mib = (kb) => (kb / 1024).toFixed(1);
const WITH_PORTKEY = process.env.BENCH_PORTKEY !== '0';
const GATEWAY_ARGS = process.env.BENCH_GATEWAY_ARGS;
const WARM_SECONDS = num('BENCH_WARM_SECONDS', 3, 1);

async function proxyComparison(stack, mock, floor, gateway, agentKey) {
  const services = () => stack.services.filter((s) => s.name !== 'gateway' && s.child.exitCode === null).map((s) => s.child.pid);
  let portkey = null;
  if (WITH_PORTKEY) {
    console.log('Starting the Portkey gateway…');
    portkey = await startPortkey();
  }
  const targets = [
    { name: 'direct', origin: mock.baseUrl, headers: { authorization: `Bearer ${UPSTREAM_KEY}` }, pid: null, processes: () => [] },
    { name: 'floor', origin: floor.url, headers: { authorization: 'Bearer client' }, pid: floor.pid, processes: () => [floor.pid] },
    {
      name: 'switchboard',
      origin: gateway.url,
      headers: { authorization: `Bearer ${agentKey}` },
      pid: gateway.pid,
      processes: () => stackProcesses(stack, gateway.pid),
      backlog: () => [gateway.pid, ...services()],
    },
    ...(portkey === null
      ? []
      : [
          {
            name: 'portkey',
            origin: portkey.url,
            headers: { authorization: `Bearer ${UPSTREAM_KEY}`, 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${mock.baseUrl}/v1` },
            pid: portkey.pid,
            processes: () => [portkey.pid],
          },
        ]),
  ];
  const latency = [];
  const throughput = [];
  const cpu = [];
  let peak = 0;
  const none = { p50: NaN, p99: NaN, rps: NaN, cpuUs: NaN, peakKb: NaN };
  try {
    console.log(`Chat completions, 16 output tokens: ${cells.length} cells × ${ROUNDS} rounds × ${targets.length} targets (N ${N} at concurrency 1, ${SECONDS} s per target otherwise)`);
    await warmUp(targets, WARM_SECONDS);
    for (const cell of cells) {
      mock.resetCalls();
      const [d, fl, sb, pk = none] = await runCell(targets, cell, { rounds: ROUNDS, n: N, seconds: SECONDS });
      peak = Math.max(peak, sb.peakKb);
      const added = (r) => ({ p50: r.p50 - d.p50, p99: r.p99 - d.p99 });
      const [flA, sbA, pkA] = [added(fl), added(sb), added(pk)];
      const name = `${cell.mode} c=${cell.concurrency}`;
      latency.push({
        cell: name,
        'direct p50': ms(d.p50),
        'floor +p50': ms(flA.p50),
        'SB +p50': ms(sbA.p50),
        'PK +p50': ms(pkA.p50),
        'floor +p99': ms(flA.p99),
        'SB +p99': ms(sbA.p99),
        'PK +p99': ms(pkA.p99),
        'SB−floor p50': ms(sbA.p50 - flA.p50),
        'SB−floor p99': ms(sbA.p99 - flA.p99),
        'SB/floor +p50': ratio(sbA.p50, flA.p50),
        'SB/PK +p50': ratio(sbA.p50, pkA.p50),
        'SB/floor +p99': ratio(sbA.p99, flA.p99),
        'SB/PK +p99': ratio(sbA.p99, pkA.p99),
      });
      throughput.push({
        cell: name,
        'direct req/s': Math.round(d.rps),
        'floor req/s': Math.round(fl.rps),
        'SB req/s': Math.round(sb.rps),
        'PK req/s': Math.round(pk.rps),
        'SB/floor': ratio(sb.rps, fl.rps),
        'SB/PK': ratio(sb.rps, pk.rps),
        'n (d/fl/SB/PK)': [d.n, fl.n, sb.n, pk.n ?? 0].join('/'),
      });
      cpu.push({
        cell: name,
        'floor CPU µs/call': Math.round(fl.cpuUs),
        'SB CPU µs/call (all processes)': Math.round(sb.cpuUs),
        'SB gateway CPU µs/call': Math.round(sb.frontCpuUs),
        'PK CPU µs/call': Math.round(pk.cpuUs),
        'SB/floor CPU': ratio(sb.cpuUs, fl.cpuUs),
        'SB/PK CPU': ratio(sb.cpuUs, pk.cpuUs),
        'SB gateway RSS MiB': mib(sb.peakKb),
        'PK RSS MiB': mib(pk.peakKb),
      });
    }
  } finally {
    await portkey?.stop();
  }
  return { latency, throughput, cpu, peak };
}

/** Waits until usage-service has stopped adding rows for the tenant (the proxy calls' usage events). */
async function usageSettled(usage, tenantId) {
  let last = -1;
  let stableSince = Date.now();
  for (;;) {
    const n = await usage.projectedCount([tenantId]);
    if (n !== last) [last, stableSince] = [n, Date.now()];
    else if (Date.now() - stableSince >= 1000) return n;
    await sleep(200);
  }
}

const mock = await new MockLlmUpstream({ requiredKey: UPSTREAM_KEY, outputTokens: 16 }).start();
const sink = await startTraceSink();
console.log(`Starting the Switchboard stack (fresh database, own NATS namespace, 2 gateways: traces off / on)${QUICK ? '; quick run' : ''}…`);
const gatewayArgs = GATEWAY_ARGS === undefined ? undefined : GATEWAY_ARGS.split(' ').filter(Boolean);
const stack = await Stack.start({
  env: { SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32' },
  replicas: { gateway: 2 },
  replicaEnv: { gateway: [{ OTEL_EXPORTER_OTLP_ENDPOINT: '' }, { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url }] },
  ...(gatewayArgs ? { nodeArgs: { gateway: gatewayArgs } } : {}),
});
const floor = await startBenchServer('floor.server.mjs', { FLOOR_UPSTREAM: mock.baseUrl, FLOOR_UPSTREAM_KEY: UPSTREAM_KEY }, 'floor');
const gatewayOf = (index) => {
  const running = stack.running('gateway').find((s) => s.index === index);
  return { url: stack.gatewayUrls[index], pid: running.child.pid };
};
const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
const db = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
db.on('error', () => undefined);
const output = [];
try {
  const { tenantId, admin, agentKey } = await proxyTenant(stack, mock, { rpm: RPM, budget: BUDGET_USD });
  const plain = await proxyTenant(stack, mock, { rpm: null, budget: null, priced: false, name: 'bench-plain' });
  const rpmOnly = await proxyTenant(stack, mock, { rpm: RPM, budget: null, name: 'bench-rpm' });
  const usage = usageProjection({ stack, js: jetstream(nc), db });

  if (cells.length > 0) {
    const { latency, throughput, cpu, peak } = await proxyComparison(stack, mock, floor, gatewayOf(1), agentKey);
    output.push(() => {
      console.log('\nAdded latency over calling the mock directly (ms): floor, Switchboard (SB, everything on, traces exported), Portkey (PK)');
      console.log('SB−floor: what Switchboard adds over the floor; SB/floor, SB/PK: ratios of added latency');
      console.table(latency);
      console.log('Requests/s');
      console.table(throughput);
      console.log('CPU time per call (µs; SB summed over gateway, services, NATS and PostgreSQL) and peak RSS of the front process');
      console.table(cpu);
      console.log(`Peak RSS of the Switchboard gateway over the run: ${mib(peak)} MiB`);
    });
    const projected = await usageSettled(usage, tenantId);
    console.log(`Usage projection settled (${projected} calls projected for the proxy tenant)`);
  }

  if (selected('ladder')) {
    console.log('Ablation ladder: floor → composed stages → the gateway by configuration (non-streamed, c=1 and c=32)…');
    const { rows, directRps } = await runLadder({
      stack,
      mock,
      floor,
      gateways: { untraced: gatewayOf(0), traced: gatewayOf(1) },
      keys: { all: agentKey, plain: plain.agentKey, rpm: rpmOnly.agentKey },
      serviceIdentityEnv: { SWITCHBOARD_SERVICE_KEY: stack.serviceKeys.gateway.privateKeyPem, SWITCHBOARD_TRUSTED_KEYS: stack.trustedKeysJson },
      options: { rounds: ROUNDS, n: N, seconds: SECONDS, warmSeconds: WARM_SECONDS },
    });
    output.push(() => {
      console.log(`\nAblation ladder (non-streamed; +p50/+p99 over direct at c=1; req/s and CPU per call at c=32; direct ${directRps} req/s)`);
      console.table(rows);
    });
  }

  if (selected('chunks')) {
    console.log(`Per-chunk delay: ${CHUNKS} content chunks ${CHUNK_GAP_MS} ms apart, ${CHUNK_CALLS} streamed calls per target at concurrency ${CHUNK_CONCURRENCIES.join(', ')}…`);
    const sb = gatewayOf(1);
    const targets = [
      { name: 'direct', origin: mock.baseUrl, headers: { authorization: `Bearer ${UPSTREAM_KEY}` } },
      { name: 'floor', origin: floor.url, headers: { authorization: 'Bearer client' } },
      { name: 'switchboard', origin: sb.url, headers: { authorization: `Bearer ${agentKey}` } },
    ];
    const options = { calls: CHUNK_CALLS, concurrencies: CHUNK_CONCURRENCIES, gapMs: CHUNK_GAP_MS, chunks: CHUNKS, rounds: ROUNDS };
    const rows = await runChunkDelay(mock, targets, options);
    output.push(() => printChunkDelay(rows, options));
  }

  if (selected('issuance')) {
    console.log(`Agent start → credential.issued: ${ISSUANCE_N} sequential starts per delivery…`);
    const { recipientId, agents } = await issuanceSetup(admin);
    const probe = issuanceProbe({ stack, nc, admin, tenantId, recipientId });
    const rows = [];
    try {
      for (const delivery of ['direct', 'proxy']) {
        const { ms: starts } = await sequentialStarts(probe, agents[delivery], ISSUANCE_N, QUICK ? 10 : 20);
        rows.push({ delivery, n: starts.length, 'p50 ms': pct(starts, 50).toFixed(2), 'p99 ms': pct(starts, 99).toFixed(2) });
      }
    } finally {
      probe.close();
    }
    output.push(() => {
      console.log('\nAgent start → credential.issued on NATS (sequential, local KMS backend)');
      console.table(rows);
    });
  }

  if (selected('usage-lag')) {
    console.log(`Usage projection lag: ${USAGE_RATE} events/s for ${USAGE_SECONDS} s…`);
    const lag = await usage.steadyLag(USAGE_RATE, USAGE_SECONDS);
    const lags = Float64Array.from(lag.lags).sort();
    output.push(() =>
      console.log(
        `\nUsage projection lag at ${lag.achieved.toFixed(0)} events/s for ${USAGE_SECONDS} s (${lags.length} events): ` +
          `p50 ${pct(lags, 50).toFixed(1)} ms, p99 ${pct(lags, 99).toFixed(1)} ms`,
      ),
    );
  }

  if (selected('appends')) {
    console.log(`Event appends: create-provider at concurrency ${APPEND_CONCURRENCY} for ${APPEND_SECONDS} s…`);
    // Every command must be an append: the tenant's provider quota (100 by default) is raised out of reach, and a
    // refusal of any kind stops the run rather than being counted as an append.
    const quotas = await new ApiClient(stack.gatewayUrl, stack.operatorKey).put(`/v1/tenants/${tenantId}/quotas`, { providers: MAX_QUOTA });
    if (quotas.status !== 200) throw new Error(`raising the provider quota: ${quotas.status} ${quotas.text}`);
    let seq = 0;
    const refusals = [];
    const create = async () => {
      const res = await admin.post('/v1/providers', { name: `append-${seq++}`, type: 'openai', rateLimitRpm: 600 });
      if (res.status !== 201) refusals.push(`${res.status} ${res.text.slice(0, 200)}`);
      return res;
    };
    for (let i = 0; i < 20; i++) await create();
    const r = await sustained(create, { seconds: APPEND_SECONDS, concurrency: APPEND_CONCURRENCY });
    if (refusals.length > 0) throw new Error(`event appends: ${refusals.length} create-provider commands refused, e.g. ${refusals[0]}`);
    output.push(() =>
      console.log(
        `\nEvent appends: ${r.perSecond.toFixed(0)}/s (providers-service: create-provider commands, one event each; ` +
          `${r.done} in ${r.elapsed.toFixed(1)} s at concurrency ${APPEND_CONCURRENCY}, ${r.errors} errors)`,
      ),
    );
  }

  for (const print of output) print();
} finally {
  await db.end();
  await nc.close();
  await floor.stop();
  await stack.stop();
  await deleteEventsStream(stack.names);
  await sink.stop();
  await mock.stop();
}
