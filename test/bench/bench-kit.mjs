// Shared pieces of the benchmarks under test/bench: percentiles, process figures from /proc, an HTTP caller and
// a latency sampler for chat completions, the tenant/provider/agent set-up for proxy calls, the agent-start
// probe (start → credential.issued), the usage projection lag at a steady rate and sustained commands.
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { newId } from '@switchboard/contracts';
import { publishEvent } from '@switchboard/messaging';
import { generateRecipientKeyPair } from '@switchboard/sealing';
import { ApiClient } from '@switchboard/testing';

export const UPSTREAM_KEY = 'sk-bench-upstream-0123456789';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Wall-clock epoch milliseconds with sub-millisecond precision (Date.now() has whole milliseconds only). */
export const wallMs = () => performance.timeOrigin + performance.now();
/** The p-th percentile of an ascending list (nearest rank). */
export const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
export const ascending = (list) => Float64Array.from(list).sort();

/**
 * BENCH_ONLY as a filter: a comma-separated list of names; `selected('streamed', 'streamed:32')` is true when
 * either is listed, or when BENCH_ONLY is unset.
 */
export function onlyFilter(value = process.env.BENCH_ONLY) {
  const only = value ? value.split(',').map((s) => s.trim()) : null;
  return { any: only === null, selected: (...names) => only === null || names.some((n) => only.includes(n)) };
}

// utime + stime of a process in clock ticks (fields 14 and 15 of /proc/<pid>/stat; USER_HZ is 100 on Linux).
export const cpuTicks = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]);
};
/** Peak resident set size (VmHWM) of a process in KiB. */
export const vmHwmKb = (pid) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
/** Resets a process's VmHWM to its current RSS (clear_refs 5); false where the kernel refuses. */
export function resetPeakRss(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** A chat completion caller (16 output tokens from the mock) on its own connection pool; once() → ms. */
export function chatCaller(origin, path, headers, stream, model = 'bench') {
  const pool = new Pool(origin, { connections: 256, pipelining: 1 });
  const body = JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }], max_tokens: 16, ...(stream ? { stream: true } : {}) });
  const allHeaders = { ...headers, 'content-type': 'application/json' };
  const once = async () => {
    const t0 = performance.now();
    const res = await pool.request({ path, method: 'POST', headers: allHeaders, body });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`${origin}${path} answered ${res.statusCode}: ${text.slice(0, 200)}`);
    if (stream && !text.includes('data: [DONE]')) throw new Error(`${origin}${path}: the stream did not end with [DONE]`);
    return performance.now() - t0;
  };
  return { once, close: () => pool.close() };
}

/**
 * Latency samples of `call`: after `warmup` calls, `n` calls one after another at concurrency 1, or as many as
 * `concurrency` workers complete in `seconds`. Returns the samples (in completion order) and the elapsed seconds.
 */
export async function sample(call, concurrency, { n, seconds, warmup = 200 }) {
  for (let i = 0; i < warmup; i++) await call.once();
  const samples = [];
  const started = performance.now();
  if (concurrency === 1) {
    for (let i = 0; i < n; i++) samples.push(await call.once());
  } else {
    const until = started + seconds * 1000;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < until) samples.push(await call.once());
      }),
    );
  }
  return { samples, seconds: (performance.now() - started) / 1000 };
}

/** p50/p99 (ms), requests/s and count of one or more sample sets. */
export function latencySummary(...sets) {
  const sorted = ascending(sets.flatMap((s) => s.samples));
  const seconds = sets.reduce((t, s) => t + s.seconds, 0);
  return { p50: pct(sorted, 50), p99: pct(sorted, 99), rps: sorted.length / seconds, n: sorted.length };
}

/**
 * A tenant with a `custom` provider on the mock upstream, model `bench` (→ gpt-mock, priced unless
 * `priced: false`), an agent on it and that agent's key. `rpm` / `budget` null leave the limiter / the budget off;
 * `name` names the tenant (several on one stack).
 */
export async function proxyTenant(stack, mock, { rpm = 10_000_000, budget = null, priced = true, name = 'bench' } = {}) {
  const tenant = await new ApiClient(stack.gatewayUrl, stack.operatorKey).post('/v1/tenants', { name });
  if (tenant.status !== 201) throw new Error(`tenant: ${tenant.status} ${tenant.text}`);
  const admin = new ApiClient(stack.gatewayUrl, tenant.body.adminKey);
  const provider = await admin.post('/v1/providers', {
    name: 'mock',
    type: 'custom',
    endpoint: `${mock.baseUrl}/v1`,
    apiKey: UPSTREAM_KEY,
    ...(rpm === null ? {} : { rateLimitRpm: rpm }),
    ...(budget === null ? {} : { monthlyBudgetUsd: budget }),
  });
  if (provider.status !== 201) throw new Error(`provider: ${provider.status} ${provider.text}`);
  const model = await admin.post(`/v1/providers/${provider.body.id}/models`, {
    name: 'bench',
    upstreamModel: 'gpt-mock',
    ...(priced ? { inputUsdPerMTok: 1, outputUsdPerMTok: 2 } : {}),
  });
  if (model.status !== 201) throw new Error(`model: ${model.status} ${model.text}`);
  const agent = await admin.post('/v1/agents', { name: 'bench', providerId: provider.body.id });
  const key = await admin.post('/v1/keys', { name: 'bench', role: 'agent', agentId: agent.body.id });
  if (key.status !== 201) throw new Error(`agent key: ${key.status} ${key.text}`);
  return { tenantId: tenant.body.id, admin, providerId: provider.body.id, agentId: agent.body.id, agentKey: key.body.key };
}

/** A recipient, an openai provider and one agent per delivery (`direct`, `proxy`), ready to be started. */
export async function issuanceSetup(admin) {
  const recipient = await admin.post('/v1/recipients', { name: 'bench', publicKey: generateRecipientKeyPair().publicKey });
  if (recipient.status !== 201) throw new Error(`recipient: ${recipient.status} ${recipient.text}`);
  const provider = await admin.post('/v1/providers', { name: 'p-issuance', type: 'openai', apiKey: 'sk-bench-0123456789abcdef' });
  if (provider.status !== 201) throw new Error(`provider: ${provider.status} ${provider.text}`);
  const agents = {};
  for (const delivery of ['direct', 'proxy']) {
    agents[delivery] = (await admin.post('/v1/agents', { name: `a-${delivery}`, providerId: provider.body.id, delivery })).body.id;
  }
  return { recipientId: recipient.body.id, agents };
}

/**
 * Follows a tenant's credential.* and agent.start_requested events on NATS. startOnce(agentId, phases?) starts
 * the agent and resolves to the ms from POST /v1/agents/:id/start to its credential.* event arriving; with
 * `phases`, it also records start → 202 (`accepted`), start → agent.start_requested on NATS (`requested`) and
 * agent.start_requested → credential.* (`issued`). `outcomes` counts issued and denied credentials.
 */
export function issuanceProbe({ stack, nc, admin, tenantId, recipientId }) {
  const waiters = new Map();
  const early = new Map();
  const outcomes = { issued: 0, denied: 0 };
  const sub = nc.subscribe(stack.names.event(tenantId, 'credential.*'));
  // When each start request reached NATS (relayed by providers-service): splits the latency in two.
  const requestedAt = new Map();
  const requestedSub = nc.subscribe(stack.names.event(tenantId, 'agent.start_requested'));
  (async () => {
    for await (const m of requestedSub) requestedAt.set(m.json().startId, performance.now());
  })();
  (async () => {
    for await (const m of sub) {
      const data = m.json();
      outcomes[data.type === 'credential.issued' ? 'issued' : 'denied']++;
      const waiter = waiters.get(data.startId);
      if (waiter) waiter(performance.now());
      else early.set(data.startId, performance.now());
      waiters.delete(data.startId);
    }
  })();
  const startOnce = async (agentId, phases) => {
    const t0 = performance.now();
    let resolveArrival;
    const arrival = new Promise((r) => (resolveArrival = r));
    const res = await admin.post(`/v1/agents/${agentId}/start`, { recipientId });
    const answered = performance.now();
    if (res.status !== 202) throw new Error(`start answered ${res.status}: ${res.text}`);
    const { startId } = res.body;
    if (early.has(startId)) resolveArrival(early.get(startId));
    else waiters.set(startId, resolveArrival);
    const issued = await arrival;
    early.delete(startId);
    const requested = requestedAt.get(startId);
    requestedAt.delete(startId);
    if (phases && requested !== undefined) {
      phases.accepted.push(answered - t0);
      phases.requested.push(requested - t0);
      phases.issued.push(issued - requested);
    }
    return issued - t0;
  };
  return {
    startOnce,
    outcomes,
    close: () => {
      sub.unsubscribe();
      requestedSub.unsubscribe();
    },
  };
}

/** `n` sequential starts of one agent after `warmup`: sorted total ms and sorted phases (see issuanceProbe). */
export async function sequentialStarts(probe, agentId, n, warmup = 20) {
  for (let i = 0; i < warmup; i++) await probe.startOnce(agentId);
  const ms = [];
  const phases = { accepted: [], requested: [], issued: [] };
  for (let i = 0; i < n; i++) ms.push(await probe.startOnce(agentId, phases));
  return { ms: ascending(ms), phases: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, ascending(v)])) };
}

const USAGE_PROVIDERS = ['prv_bench_a', 'prv_bench_b'];
const USAGE_AGENTS = ['agt_bench_1', 'agt_bench_2', 'agt_bench_3', 'agt_bench_4'];
const USAGE_MODELS = ['gpt-bench', 'claude-bench'];

/** The i-th usage.recorded event of a phase: spread over tenants, providers, agents and models; tokens derived from i. */
export function usageEvent(tenants, i, at) {
  const requestId = newId('request');
  return {
    eventId: requestId,
    type: 'usage.recorded',
    tenantId: tenants[i % tenants.length],
    at,
    requestId,
    agentId: USAGE_AGENTS[i % USAGE_AGENTS.length],
    providerId: USAGE_PROVIDERS[i % USAGE_PROVIDERS.length],
    model: USAGE_MODELS[i % USAGE_MODELS.length],
    protocol: 'openai_chat',
    stream: i % 5 === 0,
    status: i % 50 === 0 ? 429 : 200,
    ...(i % 50 === 0 ? { errorKind: 'rate_limited' } : {}),
    inputTokens: 100 + (i % 100),
    outputTokens: 20 + (i % 10),
    cachedTokens: i % 3 === 0 ? 50 : 0,
    costUsd: 0.0001 * (1 + (i % 7)),
    latencyMs: 50 + (i % 200) / 4,
    ttfbMs: i % 5 === 0 ? 20 : null,
  };
}

/** A phase's lag row; `projectedPerS`: its rows over first publish (or call) → last projected_at. */
export function lagRow(label, lags, projectedPerS) {
  const s = ascending(lags);
  const [p50, p95, p99, max] = [pct(s, 50), pct(s, 95), pct(s, 99), s[s.length - 1]].map((v) => v.toFixed(1));
  return { phase: label, n: s.length, 'p50 ms': p50, 'p95 ms': p95, 'p99 ms': p99, 'max ms': max, 'projected/s': Math.round(projectedPerS) };
}

/**
 * Publishing usage.recorded events as the gateway does (JetStream, Nats-Msg-Id = eventId) and watching
 * usage-service project them into usage.calls (read with `db`, a pg pool on the stack's database).
 * A wait fails when usage.calls has not grown for `stallMs` while rows are still missing.
 */
export function usageProjection({ stack, js, db, stallMs = 60_000 }) {
  const one = async (sql, params = []) => (await db.query(sql, params)).rows[0];
  const projectedCount = async (tenants) => Number((await one('SELECT count(*) AS n FROM usage.calls WHERE tenant_id = ANY($1)', [tenants])).n);

  /** Resolves when JetStream acknowledged (a failure is counted in `stats`, not thrown). */
  const publish = (event, stats) =>
    publishEvent(js, stack.names.event(event.tenantId, 'usage.recorded'), JSON.stringify(event), { msgId: event.eventId }).then(
      (ack) => {
        if (ack.duplicate) stats.duplicates++;
        else stats.acked++;
      },
      () => stats.failed++,
    );

  /** Polls until usage.calls holds `expected` rows of these tenants; returns when that was first seen. */
  async function waitProjected(tenants, expected, label, everyMs = 100) {
    let last = -1;
    let lastChange = Date.now();
    let lastPrint = 0;
    let printed = 0;
    for (;;) {
      const n = await projectedCount(tenants);
      const now = wallMs();
      if (n >= expected) return now;
      if (n !== last) lastChange = Date.now();
      last = n;
      if (Date.now() - lastChange > stallMs) throw new Error(`${label}: usage.calls stuck at ${n} of ${expected} for ${stallMs / 1000} s`);
      if (now - lastPrint >= 2000) {
        const rate = lastPrint === 0 ? '' : ` (${Math.round(((n - printed) * 1000) / (now - lastPrint))}/s)`;
        console.log(`  ${label}: projected ${n}/${expected}${rate}`);
        [lastPrint, printed] = [now, n];
      }
      await sleep(everyMs);
    }
  }

  /**
   * `rate` events/s for `seconds`, steadily, over 3 fresh tenants. Lag = projected_at of the call row − when
   * this process handed the event to the client (both this machine's wall clock). Returns the lags (ms), the
   * rate reached and the rows projected per second.
   */
  async function steadyLag(rate, seconds) {
    const total = Math.round(rate * seconds);
    const tenants = Array.from({ length: 3 }, () => newId('tenant'));
    const stats = { acked: 0, duplicates: 0, failed: 0 };
    const publishedAt = new Map();
    const pending = [];
    const start = wallMs();
    let sent = 0;
    let nextPrint = start + 1000;
    while (sent < total) {
      const due = Math.min(total, Math.floor(((wallMs() - start) * rate) / 1000) + 1);
      while (sent < due) {
        const at = wallMs();
        const event = usageEvent(tenants, sent, new Date(at).toISOString());
        publishedAt.set(event.requestId, at);
        pending.push(publish(event, stats));
        sent++;
      }
      if (wallMs() >= nextPrint) {
        nextPrint += 1000;
        const projected = await projectedCount(tenants);
        console.log(`  t=${((wallMs() - start) / 1000).toFixed(0)} s: published ${sent}, acknowledged ${stats.acked}, projected ${projected}`);
      }
      await sleep(1);
    }
    const elapsed = (wallMs() - start) / 1000;
    await Promise.all(pending);
    if (stats.failed > 0 || stats.duplicates > 0) throw new Error(`publish: ${stats.failed} failed, ${stats.duplicates} duplicates`);
    await waitProjected(tenants, total, 'lag');
    const rows = (
      await db.query('SELECT request_id, extract(epoch FROM projected_at)::float8 * 1000 AS projected FROM usage.calls WHERE tenant_id = ANY($1)', [tenants])
    ).rows;
    const lags = rows.map((r) => r.projected - publishedAt.get(r.request_id));
    const lastProjected = rows.reduce((m, r) => Math.max(m, r.projected), 0);
    return { lags, achieved: total / elapsed, projectedPerS: (total * 1000) / (lastProjected - start) };
  }

  return { one, projectedCount, publish, waitProjected, steadyLag };
}

/**
 * Commands sustained: `concurrency` workers calling `command()` (resolving to an ApiClient response) for
 * `seconds`; a response with status `okStatus` counts as done, any other as an error.
 */
export async function sustained(command, { seconds, concurrency, okStatus = 201 }) {
  let done = 0;
  let errors = 0;
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const res = await command();
        if (res.status === okStatus) done++;
        else errors++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  return { done, errors, elapsed, perSecond: done / elapsed };
}
