// The `rest` phase of event-append.bench.mjs: REST latency of management calls through the gateway, alone and under
// two kinds of append load on the same stack (see that file's header).
import { performance } from 'node:perf_hooks';
import { createDataSource } from '@switchboard/event-store';
import { ApiClient, Stack, deleteEventsStream } from '@switchboard/testing';
import { ascending, cpuTicks, pct } from './bench-kit.mjs';
import { appendLoad, benchStore } from './event-append.load.mjs';

const REST_SECONDS = Number(process.env.BENCH_REST_SECONDS ?? 8);
const REST_LOAD = Number(process.env.BENCH_REST_LOAD ?? 32);
const STORE_LOAD = Number(process.env.BENCH_STORE_LOAD ?? 64);

async function timed(fn, okStatus) {
  const t0 = performance.now();
  const res = await fn();
  const ms = performance.now() - t0;
  if (res.status !== okStatus) throw new Error(`unexpected ${res.status}: ${res.text.slice(0, 300)}`);
  return { ms, res };
}

/** One sequential client: list, create, patch (If-Match) in turn for `seconds`; latencies per endpoint. */
async function probe(admin, seconds, label) {
  const samples = { 'GET /v1/providers': [], 'POST /v1/providers': [], 'PATCH /v1/providers/:id': [] };
  const until = performance.now() + seconds * 1000;
  for (let seq = 0; performance.now() < until; seq++) {
    samples['GET /v1/providers'].push((await timed(() => admin.get('/v1/providers?limit=20'), 200)).ms);
    const created = await timed(() => admin.post('/v1/providers', { name: `probe-${label}-${seq}`, type: 'openai', rateLimitRpm: 600 }), 201);
    samples['POST /v1/providers'].push(created.ms);
    const etag = created.res.headers.get('etag');
    const patched = () => admin.patch(`/v1/providers/${created.res.body.id}`, { rateLimitRpm: 700 }, { headers: { 'if-match': etag } });
    samples['PATCH /v1/providers/:id'].push((await timed(patched, 200)).ms);
  }
  return samples;
}

/** CPU ticks per stack process and of the PostgreSQL backends of the stack's database (the in-process appender's included). */
async function stackTicks(stack) {
  const ticks = new Map();
  for (const name of ['gateway', 'providers-service', 'credentials-service', 'usage-service']) {
    ticks.set(name, stack.running(name).reduce((n, s) => n + cpuTicks(s.child.pid), 0));
  }
  const db = createDataSource(stack.databaseUrl, { applicationName: 'event-append-bench-probe' });
  await db.initialize();
  try {
    const rows = await db.query(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name <> 'event-append-bench-probe'`,
    );
    let pgTicks = 0;
    for (const { pid } of rows) {
      try {
        pgTicks += cpuTicks(pid);
      } catch {
        // a backend that has just exited
      }
    }
    ticks.set('PG backends', pgTicks);
  } finally {
    await db.destroy();
  }
  return ticks;
}

/** Probes while `startLoad(running)` runs; the load's figures, the probe's samples and CPU per load command. */
async function underLoad(stack, prober, label, startLoad) {
  let stop = false;
  const load = startLoad(() => !stop);
  await new Promise((r) => setTimeout(r, 500));
  const cpu0 = await stackTicks(stack);
  const samples = await probe(prober, REST_SECONDS, label);
  const cpu = await stackTicks(stack);
  stop = true;
  const figures = await load;
  const cpuPerCommand = Object.fromEntries([...cpu].map(([name, t]) => [name, Math.round(((t - (cpu0.get(name) ?? 0)) * 10_000) / Math.max(1, figures.done))]));
  return { samples, figures, cpuPerCommand };
}

/** Create-provider commands through the gateway, spread over 8 tenants so no tenant's quota lock serialises them. */
function restLoad(loaders) {
  return async (running) => {
    let done = 0;
    let errors = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: REST_LOAD }, async (_, w) => {
        for (let seq = 0; running(); seq++) {
          const res = await loaders[w % loaders.length].post('/v1/providers', { name: `load-${w}-${seq}`, type: 'openai', rateLimitRpm: 600 });
          if (res.status === 201) done++;
          else errors++;
        }
      }),
    );
    return { done, failed: errors, perSecond: done / ((performance.now() - started) / 1000) };
  };
}

const summary = (samples) => {
  const s = ascending(samples);
  return `${pct(s, 50).toFixed(1)} / ${pct(s, 99).toFixed(1)} (n ${s.length})`;
};

export async function restPhase() {
  console.log('Starting the stack (fresh database, own NATS namespace)…');
  const providersArgs = process.env.BENCH_PROVIDERS_ARGS?.split(' ').filter((a) => a !== '');
  const stack = await Stack.start({
    env: { SWITCHBOARD_QUOTA_PROVIDERS: '1000000' },
    ...(providersArgs ? { nodeArgs: { 'providers-service': providersArgs } } : {}),
  });
  // The in-process appender writes to a schema of its own in the stack's database: same server, no service reads it.
  const appender = await benchStore(stack.databaseUrl, { schema: 'bench_appends', applicationName: 'event-append-bench-load' });
  try {
    const operator = new ApiClient(stack.gatewayUrl, stack.operatorKey);
    const tenant = async (name) => new ApiClient(stack.gatewayUrl, (await operator.post('/v1/tenants', { name })).body.adminKey);
    const prober = await tenant('probe');
    const loaders = await Promise.all(Array.from({ length: 8 }, (_, i) => tenant(`load-${i}`)));
    await probe(prober, 1.5, 'warm');

    const idle = await probe(prober, REST_SECONDS, 'idle');
    const rest = await underLoad(stack, prober, 'rest', restLoad(loaders));
    const store = await underLoad(stack, prober, 'store', (running) =>
      appendLoad(appender.store, { concurrency: STORE_LOAD, running, prefix: `load-${Date.now()}` }),
    );

    console.log(
      `\nREST latency p50 / p99 ms (n), one sequential client on its own tenant, ${REST_SECONDS} s per column: alone; while ` +
        `${REST_LOAD} clients create providers through the gateway (${rest.figures.perSecond.toFixed(0)} commands/s, ` +
        `${rest.figures.failed} errors); while ${STORE_LOAD} in-process workers append to the stack's database ` +
        `(${store.figures.perSecond.toFixed(0)} commands/s, ${store.figures.failed} failed)`,
    );
    console.table(
      Object.keys(idle).map((endpoint) => ({
        endpoint,
        alone: summary(idle[endpoint]),
        'REST create-provider load': summary(rest.samples[endpoint]),
        'in-process append load': summary(store.samples[endpoint]),
      })),
    );
    console.log('CPU per load command during the probe window, µs (stack processes, PostgreSQL backends of the database; not this process)');
    console.table([
      { load: 'REST create-provider', ...rest.cpuPerCommand },
      { load: 'in-process appends', ...store.cpuPerCommand },
    ]);
  } finally {
    await appender.close();
    await stack.stop();
    await deleteEventsStream(stack.names);
  }
}
