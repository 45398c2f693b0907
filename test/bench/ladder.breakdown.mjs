// Where rung 6 of the ablation ladder (the usage event) spends its CPU, process by process (after `npm run build`:
// `node test/bench/ladder.breakdown.mjs`). On one stack it starts the ladder's composition servers for rungs 5
// (budget admission) and 6 (+ usage event), drives each in turn, non-streamed at concurrency BENCH_CONCURRENCY
// (default 32) for BENCH_SECONDS (default 6), BENCH_ROUNDS times (default 3, alternating), waits until the stack is
// idle again (so the projection of the calls' events is counted), and prints CPU µs per call for the composition
// server, usage-service, the other services, nats-server and the stack's PostgreSQL processes, and rung 6 − rung 5,
// with the write system calls each group made per call (/proc/<pid>/io).
// NATS and the PostgreSQL writers are shared with anything else running on the machine, as in the ladder. Also
// the transactions committed in the stack's database per call (pg_stat_database.xact_commit, the projection's
// batches and budget admissions among them).
// BENCH_RATE=<calls/s>: calls are started at that steady rate instead (at most BENCH_CONCURRENCY in flight), so that
// both rungs, and runs on a loaded machine, see the same load rather than as much as they can take.
// BENCH_PROFILE_DIR=<dir>: V8 CPU profiles of usage-service and both composition servers go there
// (summarise with cpuprofile.summary.mjs, CPUPROF_FROM=0).
import { loadavg } from 'node:os';
import pg from 'pg';
import { MockLlmUpstream, Stack } from '@switchboard/testing';
import { UPSTREAM_KEY, chatCaller, proxyTenant, sample } from './bench-kit.mjs';
import { startBenchServer } from './contenders.mjs';
import { quiet } from './interleaved.mjs';
import { groupSnapshot, groupSpentUs } from './ladder.processes.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const RATE = Number(process.env.BENCH_RATE ?? 0);
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR;
const profiling = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];

/** Calls started at RATE per second for SECONDS, at most CONCURRENCY in flight; resolves with how many were made. */
async function steady(caller) {
  const started = performance.now();
  const until = started + SECONDS * 1000;
  let sent = 0;
  let inFlight = 0;
  const calls = [];
  while (performance.now() < until) {
    const due = Math.floor(((performance.now() - started) * RATE) / 1000) + 1;
    while (sent < due && inFlight < CONCURRENCY) {
      sent++;
      inFlight++;
      calls.push(caller.once().finally(() => inFlight--));
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(calls);
  return sent;
}

const mock = await new MockLlmUpstream({ requiredKey: UPSTREAM_KEY, outputTokens: 16 }).start();
const stack = await Stack.start({
  env: { SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32' },
  ...(PROFILE_DIR ? { nodeArgs: { 'usage-service': profiling } } : {}),
});
const db = new pg.Pool({ connectionString: stack.databaseUrl, max: 1 });
db.on('error', () => undefined);
// Statistics are sent by each backend at the end of its transaction, with a delay of up to a second (PG 15).
const commits = async () => {
  await new Promise((resolve) => setTimeout(resolve, 1_200));
  await db.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await db.query('SELECT xact_commit::bigint AS n FROM pg_stat_database WHERE datname = current_database()');
  return Number(rows[0].n);
};
const servers = [];
try {
  const { agentKey } = await proxyTenant(stack, mock, { rpm: 10_000_000, budget: 1_000_000 });
  for (const rung of ['budget', 'usage']) {
    const env = {
      LADDER_RUNG: rung,
      LADDER_UPSTREAM: mock.baseUrl,
      LADDER_UPSTREAM_KEY: UPSTREAM_KEY,
      SWITCHBOARD_NAMESPACE: stack.namespace,
      SWITCHBOARD_SERVICE_KEY: stack.serviceKeys.gateway.privateKeyPem,
      SWITCHBOARD_TRUSTED_KEYS: stack.trustedKeysJson,
      ...(PROFILE_DIR ? { LADDER_CPU_PROF_DIR: PROFILE_DIR } : {}),
    };
    servers.push({ rung, server: await startBenchServer('ladder.server.mjs', env, `ladder ${rung}`), calls: 0, us: {}, commits: 0 });
  }
  const services = () => stack.services.filter((s) => s.child.exitCode === null).map((s) => s.child.pid);
  for (const target of servers) {
    const caller = chatCaller(target.server.url, '/v1/chat/completions', { authorization: `Bearer ${agentKey}` }, false);
    await sample(caller, 8, { n: 0, seconds: 3, warmup: 0 });
    await caller.close();
    await quiet([target.server.pid, ...services()]);
  }
  const load = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const target of round % 2 === 0 ? servers : [...servers].reverse()) {
      const caller = chatCaller(target.server.url, '/v1/chat/completions', { authorization: `Bearer ${agentKey}` }, false);
      const committed = await commits();
      const before = groupSnapshot(stack, target.server.pid);
      const made = RATE > 0 ? await steady(caller) : (await sample(caller, CONCURRENCY, { n: 0, seconds: SECONDS, warmup: 20 })).samples.length + 20;
      await quiet([target.server.pid, ...services()]);
      const used = groupSpentUs(before, groupSnapshot(stack, target.server.pid));
      await caller.close();
      // Our own two statistics queries are among them.
      target.commits += (await commits()) - committed - 2;
      target.calls += made;
      for (const [group, us] of Object.entries(used)) target.us[group] = (target.us[group] ?? 0) + us;
      load.push(loadavg()[0].toFixed(2));
    }
  }
  const perCall = (target, group) => target.us[group] / target.calls;
  const [budget, usage] = servers;
  const groups = Object.keys(usage.us).filter((group) => !group.endsWith(' writes'));
  const rows = groups.map((group) => ({
    process: group,
    'rung 5 µs/call': Math.round(perCall(budget, group)),
    'rung 6 µs/call': Math.round(perCall(usage, group)),
    'Δ µs/call': Math.round(perCall(usage, group) - perCall(budget, group)),
    'rung 5 writes/call': perCall(budget, `${group} writes`).toFixed(2),
    'rung 6 writes/call': perCall(usage, `${group} writes`).toFixed(2),
  }));
  const total = (target) => groups.reduce((sum, group) => sum + perCall(target, group), 0);
  rows.push({ process: 'all', 'rung 5 µs/call': Math.round(total(budget)), 'rung 6 µs/call': Math.round(total(usage)), 'Δ µs/call': Math.round(total(usage) - total(budget)) });
  console.log(`${RATE > 0 ? `${RATE} calls/s, ≤ ${CONCURRENCY} in flight` : `c=${CONCURRENCY}`}, ${ROUNDS} × ${SECONDS} s per rung; calls: rung 5 ${budget.calls}, rung 6 ${usage.calls}; load average (1 min) after each run: ${load.join(', ')}`);
  console.table(rows);
  console.log(`transactions per call: rung 5 ${(budget.commits / budget.calls).toFixed(3)}, rung 6 ${(usage.commits / usage.calls).toFixed(3)}`);
} finally {
  await db.end();
  await Promise.all(servers.map(({ server }) => server.stop()));
  await stack.stop();
  await mock.stop();
}
