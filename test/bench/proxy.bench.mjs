// Proxy overhead benchmark on the real stack (run by hand after `npm run build`:
// `node test/bench/proxy.bench.mjs`). Chat completions with 16 output tokens from the mock upstream, direct
// vs through the gateway, non-streamed and streamed, at concurrency 1 and 32. Prints the latency the gateway
// adds (p50/p99 over direct), requests/s, the gateway process's CPU time per call, and its peak RSS. Options via env: BENCH_N (requests per
// cell at concurrency 1, default 2000), BENCH_SECONDS (seconds per cell at concurrency 32, default 5),
// BENCH_RPM (the provider's rateLimitRpm, default 10000000; `none` leaves the RPM limiter off the path),
// BENCH_BUDGET (the provider's monthlyBudgetUsd, default none: a number puts the budget reservation on the path;
// 1000000000 never runs out),
// BENCH_QUICK=1 (N 1000, 3 s), BENCH_ONLY (cells to run, e.g. `non-streamed` or `non-streamed:32,streamed:1`),
// BENCH_GATEWAY_ARGS (node arguments for the gateway in place of the launcher's default, space-separated, e.g.
// `--cpu-prof --cpu-prof-dir=/tmp/prof`; an empty string runs it with none), BENCH_STRACE=1 (counts the
// gateway's write/read system calls per call with `strace -c`; slows the gateway, so ignore its latencies).
import { spawn } from 'node:child_process';
import { MockLlmUpstream, Stack, deleteEventsStream } from '@switchboard/testing';
import { UPSTREAM_KEY, chatCaller, cpuTicks, latencySummary, onlyFilter, proxyTenant, sample, vmHwmKb } from './bench-kit.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const N = Number(process.env.BENCH_N ?? (QUICK ? 1000 : 2000));
const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 3 : 5));
const { selected } = onlyFilter();
const wanted = (mode, concurrency) => selected(mode, `${mode}:${concurrency}`);
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
const RPM = process.env.BENCH_RPM === 'none' ? null : Number(process.env.BENCH_RPM ?? 10_000_000);
const BUDGET = process.env.BENCH_BUDGET === undefined || process.env.BENCH_BUDGET === 'none' ? null : Number(process.env.BENCH_BUDGET);

const measure = async (call, concurrency) => latencySummary(await sample(call, concurrency, { n: N, seconds: SECONDS }));

const mock = await new MockLlmUpstream({ requiredKey: UPSTREAM_KEY, outputTokens: 16 }).start();
console.log(`Starting the stack (fresh database, own NATS namespace); RPM limit: ${RPM ?? 'none'}, monthly budget: ${BUDGET ?? 'none'}…`);
const stack = await Stack.start({
  env: { SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32' },
  ...(GATEWAY_ARGS === undefined ? {} : { nodeArgs: { gateway: GATEWAY_ARGS.split(' ').filter((a) => a !== '') } }),
});
try {
  const { agentKey } = await proxyTenant(stack, mock, { rpm: RPM, budget: BUDGET });
  const gatewayPid = stack.running('gateway')[0].child.pid;

  const rows = [];
  for (const stream of [false, true]) {
    for (const concurrency of [1, 32]) {
      if (!wanted(stream ? 'streamed' : 'non-streamed', concurrency)) continue;
      const direct = chatCaller(mock.baseUrl, '/v1/chat/completions', { authorization: `Bearer ${UPSTREAM_KEY}` }, stream);
      const viaGateway = chatCaller(stack.gatewayUrl, '/v1/chat/completions', { authorization: `Bearer ${agentKey}` }, stream);
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
