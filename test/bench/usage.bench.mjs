// Usage projection benchmark on the real stack (run by hand after `npm run build`: `npm run bench:usage`).
// `usage.recorded` events are published straight onto the events stream as the gateway publishes them
// (subject events.<tenantId>.usage.recorded, envelope eventId/type/tenantId/at, Nats-Msg-Id = eventId) while
// usage-service projects them into usage.calls and usage.daily. Prints:
//   1. throughput: BENCH_N events (default 20000) published as fast as the bus acknowledges them (at most
//      BENCH_WINDOW unacknowledged, default 1024); events projected per second, from the first publish until
//      usage.calls holds all of them (polled, and exactly from the rows' projected_at); usage.daily must sum
//      to the same number of requests and tokens, or the run fails.
//   2. lag: BENCH_RATE events/s (default 1000) for BENCH_SECONDS (default 30), steadily; projection lag
//      p50/p95/p99/max, lag = projected_at of the call row − when this process handed the event to the client.
//      Both are this machine's wall clock (PostgreSQL runs here), in µs; the offset between the two is
//      measured before and after and printed. projected_at is clock_timestamp() at the insert, in the
//      statement's own transaction: its commit (WAL flush) follows within the same statement round trip.
//   3. with BENCH_VIA_PROXY=1: agent calls to the mock LLM through the gateway at BENCH_RATE for BENCH_SECONDS
//      (at most BENCH_PROXY_INFLIGHT in flight, default 256), lag = projected_at − the event's `at` (when the
//      gateway recorded the call, ms precision); the calls/s actually reached are printed next to the target.
//   0. the projection's batch statement on its own, against the stack's database: PostgreSQL backend CPU per batch
//      of 1, 11 and 50 calls, sent unnamed (parsed and planned on every run, as a TypeORM query is) and as the
//      projection sends it, a named statement prepared once per connection (BENCH_STATEMENT_BATCHES per row,
//      default 300).
// Phases 1 and 2 also print the CPU time per event of usage-service, nats-server and the stack's PostgreSQL processes
// (ladder.processes.mjs; this process's publishing is not counted), until the projection has caught up.
// Other env: BENCH_QUICK=1 (N 5000, 10 s).
import pg from 'pg';
import { Pool } from 'undici';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { newId } from '@switchboard/contracts';
import { MockLlmUpstream, Stack, deleteEventsStream } from '@switchboard/testing';
import { UPSTREAM_KEY, lagRow, proxyTenant, sleep, usageEvent, usageProjection, wallMs } from './bench-kit.mjs';
import { readFileSync } from 'node:fs';
import { groupSnapshot, groupSpentUs } from './ladder.processes.mjs';
import { projectCalls } from '../../apps/usage-service/dist/projection/usage.projection.js';

const QUICK = process.env.BENCH_QUICK === '1';
const N = Number(process.env.BENCH_N ?? (QUICK ? 5000 : 20_000));
const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 10 : 30));
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const WINDOW = Number(process.env.BENCH_WINDOW ?? 1024);
const VIA_PROXY = process.env.BENCH_VIA_PROXY === '1';
const PROXY_INFLIGHT = Number(process.env.BENCH_PROXY_INFLIGHT ?? 256);

const STATEMENT_BATCHES = Number(process.env.BENCH_STATEMENT_BATCHES ?? 300);

const TENANTS = Array.from({ length: 3 }, () => newId('tenant'));

console.log('Starting the stack (fresh database, own NATS namespace)…');
const mock = VIA_PROXY ? await new MockLlmUpstream({ requiredKey: UPSTREAM_KEY, outputTokens: 16 }).start() : null;
const stack = await Stack.start({ env: { SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32' } });
const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
const js = jetstream(nc);
const db = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
db.on('error', () => undefined);
const { one, publish, waitProjected, steadyLag: projectSteadily } = usageProjection({ stack, js, db });

/** Database clock − this process's clock, from the round trip with the smallest duration (± half of it). */
async function clockOffset() {
  let best = null;
  for (let i = 0; i < 10; i++) {
    const before = wallMs();
    const { at } = await one('SELECT extract(epoch FROM clock_timestamp())::float8 * 1000 AS at');
    const after = wallMs();
    if (best === null || after - before < best.rtt) best = { offset: at - (before + after) / 2, rtt: after - before };
  }
  return `${best.offset.toFixed(2)} ms ± ${(best.rtt / 2).toFixed(2)} ms`;
}

/** µs of CPU per event by process group since `before` (the other services left out: they do not see these events). */
function cpuPerEvent(before, events) {
  const spent = groupSpentUs(before, groupSnapshot(stack));
  const row = {};
  for (const group of ['usage-service', 'nats-server', 'postgres']) row[group] = Math.round(spent[group] / events);
  return { ...row, total: row['usage-service'] + row['nats-server'] + row.postgres };
}

/** The statement and parameters projectCalls sends for these calls, captured instead of run. */
async function projectionQuery(calls) {
  let query = null;
  await projectCalls({ query: async (config) => ((query = config), { rows: [{}] }) }, calls);
  return query;
}

async function statementCost() {
  console.log(`\n0. The projection's statement alone: ${STATEMENT_BATCHES} batches per row, unnamed and named`);
  const client = new pg.Client({ connectionString: stack.databaseUrl });
  await client.connect();
  const rows = [];
  try {
    const { pid } = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0];
    const backendUs = () => {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(fields[11]) + Number(fields[12])) * 10_000;
    };
    const tenants = [newId('tenant')];
    let i = 0;
    for (const size of [1, 11, 50]) {
      for (const named of [false, true, false, true]) {
        const queries = [];
        for (let b = 0; b < STATEMENT_BATCHES + 20; b++) {
          queries.push(await projectionQuery(Array.from({ length: size }, () => usageEvent(tenants, i++, new Date().toISOString()))));
        }
        // The first 20 warm the connection (and let a named statement settle on its generic plan) uncounted.
        for (const q of queries.slice(0, 20)) await (named ? client.query(q) : client.query(q.text, q.values));
        const before = backendUs();
        for (const q of queries.slice(20)) await (named ? client.query(q) : client.query(q.text, q.values));
        rows.push({ batch: size, statement: named ? 'named (prepared)' : 'unnamed', 'PostgreSQL µs/batch': Math.round((backendUs() - before) / STATEMENT_BATCHES) });
      }
    }
  } finally {
    await client.end();
  }
  return rows;
}

async function throughput() {
  console.log(`\n1. Throughput: ${N} events, as fast as the bus acknowledges them (≤ ${WINDOW} unacknowledged)`);
  const tenants = TENANTS;
  const stats = { acked: 0, duplicates: 0, failed: 0 };
  const expected = { requests: new Map(tenants.map((t) => [t, 0])), inputTokens: 0 };
  let inFlight = 0;
  let wake = null;
  const cpuBefore = groupSnapshot(stack);
  const firstPublish = wallMs();
  let lastPrint = firstPublish;
  for (let i = 0; i < N; i++) {
    while (inFlight >= WINDOW) await new Promise((r) => (wake = r));
    const event = usageEvent(tenants, i, new Date().toISOString());
    expected.requests.set(event.tenantId, expected.requests.get(event.tenantId) + 1);
    expected.inputTokens += event.inputTokens;
    inFlight++;
    void publish(event, stats).then(() => {
      inFlight--;
      wake?.();
      wake = null;
    });
    if (wallMs() - lastPrint >= 1000) {
      console.log(`  published ${i + 1}/${N} (${stats.acked} acknowledged)`);
      lastPrint = wallMs();
    }
  }
  while (inFlight > 0) await new Promise((r) => (wake = r));
  const published = wallMs();
  if (stats.failed > 0 || stats.duplicates > 0) throw new Error(`publish: ${stats.failed} failed, ${stats.duplicates} duplicates`);
  console.log(`  all ${N} acknowledged after ${((published - firstPublish) / 1000).toFixed(2)} s; waiting for the projection…`);
  const seen = await waitProjected(tenants, N, 'throughput');
  const cpu = cpuPerEvent(cpuBefore, N);
  const { last } = await one('SELECT extract(epoch FROM max(projected_at))::float8 * 1000 AS last FROM usage.calls WHERE tenant_id = ANY($1)', [tenants]);

  const daily = await db.query(
    'SELECT tenant_id, sum(requests)::bigint AS requests, sum(input_tokens)::bigint AS input FROM usage.daily WHERE tenant_id = ANY($1) GROUP BY tenant_id',
    [tenants],
  );
  const requests = daily.rows.reduce((n, r) => n + Number(r.requests), 0);
  const inputTokens = daily.rows.reduce((n, r) => n + Number(r.input), 0);
  const perTenantOk = daily.rows.length === tenants.length && daily.rows.every((r) => Number(r.requests) === expected.requests.get(r.tenant_id));
  if (requests !== N || inputTokens !== expected.inputTokens || !perTenantOk) {
    throw new Error(`usage.daily does not add up: ${requests} requests (want ${N}), ${inputTokens} input tokens (want ${expected.inputTokens})`);
  }
  console.log(`  usage.daily: ${requests} requests, ${inputTokens} input tokens, per tenant as published ✓`);
  return {
    publishPerS: N / ((published - firstPublish) / 1000),
    projectedPerSPolled: N / ((seen - firstPublish) / 1000),
    projectedPerSExact: N / ((last - firstPublish) / 1000),
    seconds: (seen - firstPublish) / 1000,
    cpu,
  };
}

async function steadyLag() {
  console.log(`\n2. Lag: ${RATE} events/s for ${SECONDS} s (${Math.round(RATE * SECONDS)} events)`);
  const cpuBefore = groupSnapshot(stack);
  const { lags, achieved, projectedPerS } = await projectSteadily(RATE, SECONDS);
  const cpu = cpuPerEvent(cpuBefore, lags.length);
  return { row: lagRow(`direct, ${achieved.toFixed(0)} events/s`, lags, projectedPerS), achieved, cpu };
}

async function proxyLag() {
  console.log(`\n3. Through the proxy: agent calls at ${RATE}/s for ${SECONDS} s (≤ ${PROXY_INFLIGHT} in flight)`);
  const { tenantId, agentKey } = await proxyTenant(stack, mock, { priced: false });

  const pool = new Pool(stack.gatewayUrl, { connections: 64, pipelining: 1 });
  const body = JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: 'hello' }], max_tokens: 16 });
  const headers = { authorization: `Bearer ${agentKey}`, 'content-type': 'application/json' };
  const outcome = { ok: 0, failed: 0, statuses: new Map() };
  const call = async () => {
    try {
      const res = await pool.request({ path: '/v1/chat/completions', method: 'POST', headers, body });
      await res.body.text();
      if (res.statusCode === 200) outcome.ok++;
      else {
        outcome.failed++;
        outcome.statuses.set(res.statusCode, (outcome.statuses.get(res.statusCode) ?? 0) + 1);
      }
    } catch {
      outcome.failed++;
    }
  };
  for (let i = 0; i < 100; i++) await call();
  const warm = { ...outcome };
  outcome.ok = 0;
  outcome.failed = 0;

  const total = Math.round(RATE * SECONDS);
  const start = wallMs();
  const until = start + SECONDS * 1000;
  let sent = 0;
  let inFlight = 0;
  let capped = 0;
  let nextPrint = start + 1000;
  const calls = [];
  while (wallMs() < until && sent < total) {
    const due = Math.min(total, Math.floor(((wallMs() - start) * RATE) / 1000) + 1);
    while (sent < due && inFlight < PROXY_INFLIGHT) {
      inFlight++;
      sent++;
      calls.push(call().finally(() => inFlight--));
    }
    if (sent < due) capped++;
    if (wallMs() >= nextPrint) {
      nextPrint += 1000;
      console.log(`  t=${((wallMs() - start) / 1000).toFixed(0)} s: sent ${sent}, answered 200 ${outcome.ok}, failed ${outcome.failed}, in flight ${inFlight}`);
    }
    await sleep(1);
  }
  await Promise.all(calls);
  const elapsed = (wallMs() - start) / 1000;
  await pool.close();
  const statuses = [...outcome.statuses].map(([s, n]) => `${s}×${n}`).join(', ');
  console.log(`  ${outcome.ok} answered 200, ${outcome.failed} failed${statuses ? ` (${statuses})` : ''}; pacing held back by the in-flight cap in ${capped} ticks`);
  // Warm-up calls are projected too; every call that reached the upstream records one usage.recorded.
  const expected = warm.ok + outcome.ok;
  await waitProjected([tenantId], expected, 'proxy');
  const rows = (
    await db.query(
      `SELECT extract(epoch FROM at)::float8 * 1000 AS at, extract(epoch FROM projected_at)::float8 * 1000 AS projected
         FROM usage.calls WHERE tenant_id = $1 ORDER BY at OFFSET $2`,
      [tenantId, warm.ok],
    )
  ).rows;
  const lastProjected = rows.reduce((m, r) => Math.max(m, r.projected), 0);
  const row = lagRow(
    `via proxy, ${(outcome.ok / elapsed).toFixed(0)} calls/s`,
    rows.map((r) => r.projected - r.at),
    (rows.length * 1000) / (lastProjected - rows[0].at),
  );
  return { row, achieved: outcome.ok / elapsed, sent: sent / elapsed };
}

try {
  console.log(`Clock check (PostgreSQL clock_timestamp() − this process): ${await clockOffset()}`);
  const statement = await statementCost();
  const t = await throughput();
  const lag = await steadyLag();
  const proxy = VIA_PROXY ? await proxyLag() : null;
  console.log(`Clock check after (PostgreSQL − this process): ${await clockOffset()}`);

  console.log('\nThe projection statement alone (backend CPU, clock ticks of 10 ms summed over the row):');
  console.table(statement);
  console.log('\nUsage projection (one usage-service, loopback PostgreSQL and NATS)');
  console.log(
    `Throughput: ${Math.round(t.projectedPerSPolled)} events projected/s (${N} events in ${t.seconds.toFixed(2)} s, polled every 100 ms; ` +
      `${Math.round(t.projectedPerSExact)}/s up to the last projected_at); published at ${Math.round(t.publishPerS)} events/s`,
  );
  console.log(`Lag (ms), projected_at − publish; target ${RATE} events/s, reached ${lag.achieved.toFixed(0)}/s:`);
  console.table([lag.row, ...(proxy ? [proxy.row] : [])]);
  console.log('CPU µs per event until projected (PostgreSQL writers and nats-server shared with the rest of the machine):');
  console.table([
    { phase: `1. throughput (${N} events)`, ...t.cpu },
    { phase: `2. lag (${lag.achieved.toFixed(0)} events/s)`, ...lag.cpu },
  ]);
  if (proxy) {
    console.log(
      `Through the proxy: target ${RATE} calls/s, ${proxy.sent.toFixed(0)}/s sent, ${proxy.achieved.toFixed(0)} calls/s answered 200 ` +
        `(lag there is projected_at − the event's at, which has whole milliseconds)`,
    );
  }
} finally {
  await db.end();
  await nc.close();
  await stack.stop();
  await deleteEventsStream(stack.names);
  await mock?.stop();
}
