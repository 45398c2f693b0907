// Switchboard against the Portkey gateway, in one run (after `npm run build`: `npm run bench:compare`).
// Starts the mock LLM upstream (in this process, as proxy.bench.mjs does), the Switchboard stack and the Portkey
// gateway (@portkey-ai/gateway, bound to 127.0.0.1 by a preloaded listen patch: it has no address option), all
// against the same mock. For chat completions with 16 output tokens, non-streamed and streamed, at concurrency 1,
// 32 and 128, it measures three targets: the mock directly, Switchboard with every feature on (agent key,
// provider rateLimitRpm 10,000,000, monthlyBudgetUsd 1e9 with a priced model, a usage event per call) and Portkey
// (x-portkey-provider: openai, x-portkey-custom-host: the mock). Each cell is split into rounds, and every round
// runs the three targets one after another in a rotating order, so that noise on the machine hits all alike.
// Then, on the same stack: agent start → credential.issued p50/p99 (issuance.bench.mjs's probe), the usage
// projection lag at a steady rate (usage.bench.mjs's lag phase) and event appends/s (create-provider commands
// sustained, one event each, as in rest.bench.mjs).
// Env: BENCH_QUICK=1 (short run), BENCH_N (calls per target per cell at concurrency 1; default 2000, quick 500),
// BENCH_SECONDS (seconds per target per cell at concurrency > 1; default 6, quick 2), BENCH_ROUNDS (rounds per
// cell; default 3, quick 2), BENCH_CONCURRENCY (default `1,32,128`), BENCH_ONLY (what to run, comma-separated:
// `non-streamed`, `streamed`, `streamed:32`, …, `issuance`, `usage-lag`, `appends`), BENCH_ISSUANCE_N (sequential
// starts per delivery; default 200, quick 50), BENCH_USAGE_RATE (events/s, default 1000), BENCH_USAGE_SECONDS
// (default 10, quick 4), BENCH_APPEND_SECONDS (default 5, quick 3), BENCH_APPEND_CONCURRENCY (default 16).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { MockLlmUpstream, REPO_ROOT, Stack, deleteEventsStream, freePort } from '@switchboard/testing';
import {
  UPSTREAM_KEY,
  chatCaller,
  cpuTicks,
  issuanceProbe,
  issuanceSetup,
  latencySummary,
  onlyFilter,
  pct,
  proxyTenant,
  resetPeakRss,
  sample,
  sequentialStarts,
  sleep,
  sustained,
  usageProjection,
  vmHwmKb,
} from './bench-kit.mjs';

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
const BUDGET_USD = 1e9;
const RPM = 10_000_000;

const { selected } = onlyFilter();
const cells = [false, true].flatMap((stream) =>
  CONCURRENCIES.map((concurrency) => ({ stream, concurrency, mode: stream ? 'streamed' : 'non-streamed' })).filter((c) =>
    selected(c.mode, `${c.mode}:${c.concurrency}`),
  ),
);

const mib = (kb) => (kb / 1024).toFixed(1);
const ratio = (a, b) => (Number.isFinite(a / b) && b !== 0 ? (a / b).toFixed(2) : 'n/a');

/** Starts the Portkey gateway on a free loopback port; resolves once it answers HTTP. */
async function startPortkey() {
  const script = join(dirname(createRequire(import.meta.url).resolve('@portkey-ai/gateway/package.json')), 'build/start-server.js');
  const port = await freePort();
  const preload = join(dirname(fileURLToPath(import.meta.url)), 'loopback-listen.mjs');
  const child = spawn(process.execPath, ['--import', preload, script, `--port=${port}`, '--headless'], {
    cwd: REPO_ROOT,
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Portkey gateway exited with ${child.exitCode}: ${stderr}`);
    try {
      await fetch(url);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`Portkey gateway did not answer on ${url} within 30 s: ${stderr}`);
      await sleep(100);
    }
  }
  return {
    url,
    pid: child.pid,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** One cell: ROUNDS rounds, each running every target in turn (order rotated per round). */
async function runCell(targets, { stream, concurrency, mode }) {
  const callers = targets.map((t) => chatCaller(t.origin, '/v1/chat/completions', t.headers, stream));
  const sets = targets.map(() => []);
  const ticks = targets.map(() => 0);
  for (const t of targets) if (t.pid) resetPeakRss(t.pid);
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const order = targets.map((_, i) => (i + round) % targets.length);
      process.stdout.write(`  ${mode} c=${concurrency} round ${round + 1}/${ROUNDS}:`);
      for (const i of order) {
        process.stdout.write(` ${targets[i].name}…`);
        const before = targets[i].pid ? cpuTicks(targets[i].pid) : 0;
        const warmup = round === 0 ? 200 : 20;
        sets[i].push({ ...(await sample(callers[i], concurrency, { n: Math.ceil(N / ROUNDS), seconds: SECONDS / ROUNDS, warmup })), warmup });
        if (targets[i].pid) ticks[i] += cpuTicks(targets[i].pid) - before;
      }
      process.stdout.write('\n');
    }
  } finally {
    await Promise.all(callers.map((c) => c.close()));
  }
  return targets.map((t, i) => {
    const calls = sets[i].reduce((n, s) => n + s.samples.length + s.warmup, 0);
    return {
      ...latencySummary(...sets[i]),
      peakKb: t.pid ? vmHwmKb(t.pid) : NaN,
      // CPU time of the gateway process per call (warm-up calls included), in µs.
      cpuUs: t.pid ? (ticks[i] * 10_000) / calls : NaN,
    };
  });
}

async function proxyComparison(stack, mock, agentKey) {
  const gatewayPid = stack.running('gateway')[0].child.pid;
  console.log('Starting the Portkey gateway…');
  const portkey = await startPortkey();
  const targets = [
    { name: 'direct', origin: mock.baseUrl, headers: { authorization: `Bearer ${UPSTREAM_KEY}` }, pid: null },
    { name: 'switchboard', origin: stack.gatewayUrl, headers: { authorization: `Bearer ${agentKey}` }, pid: gatewayPid },
    {
      name: 'portkey',
      origin: portkey.url,
      headers: { authorization: `Bearer ${UPSTREAM_KEY}`, 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${mock.baseUrl}/v1` },
      pid: portkey.pid,
    },
  ];
  const rows = [];
  const cpuRows = [];
  const peaks = { switchboard: 0, portkey: 0 };
  try {
    console.log(`Chat completions, 16 output tokens: ${cells.length} cells × ${ROUNDS} rounds × 3 targets (N ${N} at concurrency 1, ${SECONDS} s per target otherwise)`);
    for (const cell of cells) {
      mock.resetCalls();
      const [d, sb, pk] = await runCell(targets, cell);
      peaks.switchboard = Math.max(peaks.switchboard, sb.peakKb);
      peaks.portkey = Math.max(peaks.portkey, pk.peakKb);
      const added = (r) => ({ p50: r.p50 - d.p50, p99: r.p99 - d.p99 });
      const [sbAdded, pkAdded] = [added(sb), added(pk)];
      rows.push({
        cell: `${cell.mode} c=${cell.concurrency}`,
        'direct p50 ms': d.p50.toFixed(3),
        'SB +p50 ms': sbAdded.p50.toFixed(3),
        'SB +p99 ms': sbAdded.p99.toFixed(3),
        'PK +p50 ms': pkAdded.p50.toFixed(3),
        'PK +p99 ms': pkAdded.p99.toFixed(3),
        'direct req/s': Math.round(d.rps),
        'SB req/s': Math.round(sb.rps),
        'PK req/s': Math.round(pk.rps),
        'SB RSS MiB': mib(sb.peakKb),
        'PK RSS MiB': mib(pk.peakKb),
        'SB/PK +p50': ratio(sbAdded.p50, pkAdded.p50),
        'SB/PK +p99': ratio(sbAdded.p99, pkAdded.p99),
        'SB/PK req/s': ratio(sb.rps, pk.rps),
        'SB/PK RSS': ratio(sb.peakKb, pk.peakKb),
      });
      cpuRows.push({
        cell: `${cell.mode} c=${cell.concurrency}`,
        'direct n': d.n,
        'SB n': sb.n,
        'PK n': pk.n,
        'SB CPU µs/call': Math.round(sb.cpuUs),
        'PK CPU µs/call': Math.round(pk.cpuUs),
        'SB/PK CPU': ratio(sb.cpuUs, pk.cpuUs),
      });
    }
  } finally {
    await portkey.stop();
  }
  return { rows, cpuRows, peaks };
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
console.log(`Starting the Switchboard stack (fresh database, own NATS namespace)${QUICK ? '; quick run' : ''}…`);
const stack = await Stack.start({ env: { SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32' } });
const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
const db = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
db.on('error', () => undefined);
const output = [];
try {
  const { tenantId, admin, agentKey } = await proxyTenant(stack, mock, { rpm: RPM, budget: BUDGET_USD });
  const usage = usageProjection({ stack, js: jetstream(nc), db });

  if (cells.length > 0) {
    const { rows, cpuRows, peaks } = await proxyComparison(stack, mock, agentKey);
    output.push(() => {
      console.log('\nAdded latency over calling the mock directly (ms), requests/s, peak RSS of each gateway process during the cell');
      console.log('SB = Switchboard gateway (agent key, RPM limit, budget, usage events), PK = Portkey gateway; SB/PK = Switchboard ÷ Portkey');
      console.table(rows);
      console.table(cpuRows);
      console.log(`Peak RSS over the run: Switchboard gateway ${mib(peaks.switchboard)} MiB, Portkey gateway ${mib(peaks.portkey)} MiB`);
    });
    const projected = await usageSettled(usage, tenantId);
    console.log(`Usage projection settled (${projected} calls projected for the proxy tenant)`);
  }

  if (selected('issuance')) {
    console.log(`Agent start → credential.issued: ${ISSUANCE_N} sequential starts per delivery…`);
    const { recipientId, agents } = await issuanceSetup(admin);
    const probe = issuanceProbe({ stack, nc, admin, tenantId, recipientId });
    const rows = [];
    try {
      for (const delivery of ['direct', 'proxy']) {
        const { ms } = await sequentialStarts(probe, agents[delivery], ISSUANCE_N, QUICK ? 10 : 20);
        rows.push({ delivery, n: ms.length, 'p50 ms': pct(ms, 50).toFixed(2), 'p99 ms': pct(ms, 99).toFixed(2) });
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
    let seq = 0;
    const create = () => admin.post('/v1/providers', { name: `append-${seq++}`, type: 'openai', rateLimitRpm: 600 });
    for (let i = 0; i < 20; i++) await create();
    const r = await sustained(create, { seconds: APPEND_SECONDS, concurrency: APPEND_CONCURRENCY });
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
  await stack.stop();
  await deleteEventsStream(stack.names);
  await mock.stop();
}
