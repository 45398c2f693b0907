// Proxy overhead benchmark on the real stack (run by hand after `npm run build`:
// `node test/bench/proxy.bench.mjs`). Chat completions with 16 output tokens from the mock upstream, direct
// vs through the gateway, non-streamed and streamed, at concurrency 1 and 32. Prints the latency the gateway
// adds (p50/p99 over direct), requests/s, the gateway process's CPU time per call, and its peak RSS. Options via env: BENCH_N (requests per
// cell at concurrency 1, default 2000), BENCH_SECONDS (seconds per cell at concurrency 32, default 5),
// BENCH_RPM (the provider's rateLimitRpm, default 10000000; `none` leaves the RPM limiter off the path),
// BENCH_BUDGET (the provider's monthlyBudgetUsd, default none: a number puts the budget reservation on the path;
// 1000000000 never runs out),
// BENCH_QUICK=1 (N 1000, 3 s), BENCH_ONLY (cells to run, e.g. `non-streamed` or `non-streamed:32,streamed:1`),
// BENCH_GATEWAY_ARGS (node arguments for the gateway in place of `--enable-source-maps`, space-separated, e.g.
// `--cpu-prof --cpu-prof-dir=/tmp/prof`; an empty string runs it with none), BENCH_STRACE=1 (counts the
// gateway's write/read system calls per call with `strace -c`; slows the gateway, so ignore its latencies).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { ApiClient, MockLlmUpstream, Stack, deleteEventsStream } from '@switchboard/testing';

const QUICK = process.env.BENCH_QUICK === '1';
const N = Number(process.env.BENCH_N ?? (QUICK ? 1000 : 2000));
const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 3 : 5));
const ONLY = process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(',').map((s) => s.trim()) : null;
const wanted = (mode, concurrency) => ONLY === null || ONLY.includes(mode) || ONLY.includes(`${mode}:${concurrency}`);
const GATEWAY_ARGS = process.env.BENCH_GATEWAY_ARGS;
const STRACE = process.env.BENCH_STRACE === '1';

/** Attaches `strace -c` to every thread of pid; stop() resolves to { syscall: calls }. */
function straceCounts(pid) {
  const child = spawn('strace', ['-c', '-f', '-e', 'trace=write,writev,read,readv,sendmsg,recvfrom,epoll_wait', '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let text = '';
  child.stderr.on('data', (d) => (text += d));
  return {
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => {
          const counts = {};
          for (const m of text.matchAll(/^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)\s*$/gm)) counts[m[2]] = Number(m[1]);
          resolve(counts);
        });
        child.kill('SIGINT');
      }),
  };
}
const UPSTREAM_KEY = 'sk-bench-upstream-0123456789';
const RPM = process.env.BENCH_RPM === 'none' ? null : Number(process.env.BENCH_RPM ?? 10_000_000);
const BUDGET = process.env.BENCH_BUDGET === undefined || process.env.BENCH_BUDGET === 'none' ? null : Number(process.env.BENCH_BUDGET);

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
// utime + stime of a process in clock ticks (fields 14 and 15 of /proc/<pid>/stat; USER_HZ is 100 on Linux).
const cpuTicks = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]);
};
const vmHwmKb = (pid) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);

function caller(origin, path, key, stream) {
  const pool = new Pool(origin, { connections: 64, pipelining: 1 });
  const body = JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: 'hello' }], max_tokens: 16, ...(stream ? { stream: true } : {}) });
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const once = async () => {
    const t0 = performance.now();
    const res = await pool.request({ path, method: 'POST', headers, body });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`${origin}${path} answered ${res.statusCode}: ${text.slice(0, 200)}`);
    return performance.now() - t0;
  };
  return { once, close: () => pool.close() };
}

async function measure(call, concurrency) {
  for (let i = 0; i < 200; i++) await call.once();
  const samples = [];
  const started = performance.now();
  if (concurrency === 1) {
    for (let i = 0; i < N; i++) samples.push(await call.once());
  } else {
    const until = started + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < until) samples.push(await call.once());
      }),
    );
  }
  const seconds = (performance.now() - started) / 1000;
  samples.sort((a, b) => a - b);
  return { p50: pct(samples, 50), p99: pct(samples, 99), rps: samples.length / seconds, n: samples.length };
}

const mock = await new MockLlmUpstream({ requiredKey: UPSTREAM_KEY, outputTokens: 16 }).start();
console.log(`Starting the stack (fresh database, own NATS namespace); RPM limit: ${RPM ?? 'none'}, monthly budget: ${BUDGET ?? 'none'}…`);
const stack = await Stack.start({
  env: { SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32' },
  ...(GATEWAY_ARGS === undefined ? {} : { nodeArgs: { gateway: GATEWAY_ARGS.split(' ').filter((a) => a !== '') } }),
});
try {
  const tenant = await new ApiClient(stack.gatewayUrl, stack.operatorKey).post('/v1/tenants', { name: 'bench' });
  const admin = new ApiClient(stack.gatewayUrl, tenant.body.adminKey);
  const provider = await admin.post('/v1/providers', {
    name: 'mock',
    type: 'custom',
    endpoint: `${mock.baseUrl}/v1`,
    apiKey: UPSTREAM_KEY,
    ...(RPM === null ? {} : { rateLimitRpm: RPM }),
    ...(BUDGET === null ? {} : { monthlyBudgetUsd: BUDGET }),
  });
  if (provider.status !== 201) throw new Error(`provider: ${provider.status} ${provider.text}`);
  await admin.post(`/v1/providers/${provider.body.id}/models`, { name: 'bench', upstreamModel: 'gpt-mock', inputUsdPerMTok: 1, outputUsdPerMTok: 2 });
  const agent = await admin.post('/v1/agents', { name: 'bench', providerId: provider.body.id });
  const agentKey = (await admin.post('/v1/keys', { name: 'bench', role: 'agent', agentId: agent.body.id })).body.key;
  const gatewayPid = stack.running('gateway')[0].child.pid;

  const rows = [];
  for (const stream of [false, true]) {
    for (const concurrency of [1, 32]) {
      if (!wanted(stream ? 'streamed' : 'non-streamed', concurrency)) continue;
      const direct = caller(mock.baseUrl, '/v1/chat/completions', UPSTREAM_KEY, stream);
      const viaGateway = caller(stack.gatewayUrl, '/v1/chat/completions', agentKey, stream);
      const d = await measure(direct, concurrency);
      const ticks0 = cpuTicks(gatewayPid);
      const tracing = STRACE ? straceCounts(gatewayPid) : null;
      if (tracing) await new Promise((r) => setTimeout(r, 500));
      const g = await measure(viaGateway, concurrency);
      const syscalls = tracing ? await tracing.stop() : null;
      // Gateway CPU per call (warm-up included): steadier than latency on a machine shared with other work.
      const cpuUs = ((cpuTicks(gatewayPid) - ticks0) * 10_000) / (g.n + 200);
      await direct.close();
      await viaGateway.close();
      rows.push({
        mode: stream ? 'streamed' : 'non-streamed',
        concurrency,
        'direct p50 ms': d.p50.toFixed(3),
        'gateway p50 ms': g.p50.toFixed(3),
        'added p50 ms': (g.p50 - d.p50).toFixed(3),
        'added p99 ms': (g.p99 - d.p99).toFixed(3),
        'direct req/s': Math.round(d.rps),
        'gateway req/s': Math.round(g.rps),
        'gateway n': g.n,
        'gateway CPU µs/call': Math.round(cpuUs),
        ...(syscalls ? Object.fromEntries(Object.entries(syscalls).map(([k, v]) => [`${k}/call`, (v / (g.n + 200)).toFixed(2)])) : {}),
      });
      console.log(`done: ${stream ? 'streamed' : 'non-streamed'} at concurrency ${concurrency}`);
    }
  }
  console.table(rows);
  console.log(`gateway peak RSS (VmHWM): ${(vmHwmKb(gatewayPid) / 1024).toFixed(1)} MiB`);
} finally {
  await stack.stop();
  await deleteEventsStream(stack.names);
  await mock.stop();
}
