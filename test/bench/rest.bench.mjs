// REST benchmark of the management API on the real stack (run by hand: `npm run bench`, after `npm run build`).
// Prints p50/p99 latency of create-provider and get-provider (sequential) and the sustained rate of
// commands (create-provider at a fixed concurrency). Options via env: BENCH_N (sequential requests,
// default 500), BENCH_SECONDS (sustained phase, default 10), BENCH_CONCURRENCY (default 16).
import { performance } from 'node:perf_hooks';
import { ApiClient, Stack, deleteEventsStream } from '@switchboard/testing';
import { pct, sustained } from './bench-kit.mjs';

const N = Number(process.env.BENCH_N ?? 500);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

const summary = (label, samples) => {
  const s = [...samples].sort((a, b) => a - b);
  return { label, n: s.length, p50: pct(s, 50).toFixed(2), p99: pct(s, 99).toFixed(2), max: s[s.length - 1].toFixed(2) };
};

async function timed(fn) {
  const t0 = performance.now();
  const res = await fn();
  const ms = performance.now() - t0;
  if (res.status >= 300) throw new Error(`unexpected ${res.status}: ${res.text}`);
  return { ms, res };
}

console.log(`Starting the stack (fresh database, own NATS namespace)…`);
const stack = await Stack.start();
try {
  const tenant = await new ApiClient(stack.gatewayUrl, stack.operatorKey).post('/v1/tenants', { name: 'bench' });
  const admin = new ApiClient(stack.gatewayUrl, tenant.body.adminKey);
  let seq = 0;
  const create = () => admin.post('/v1/providers', { name: `bench-${seq++}`, type: 'openai', rateLimitRpm: 600 });

  console.log('Warming up…');
  for (let i = 0; i < 50; i++) await timed(create);

  console.log(`Sequential: ${N} create-provider, ${N} get-provider…`);
  const createMs = [];
  const ids = [];
  for (let i = 0; i < N; i++) {
    const { ms, res } = await timed(create);
    createMs.push(ms);
    ids.push(res.body.id);
  }
  const getMs = [];
  for (let i = 0; i < N; i++) getMs.push((await timed(() => admin.get(`/v1/providers/${ids[i % ids.length]}`))).ms);

  console.log(`Sustained: create-provider at concurrency ${CONCURRENCY} for ${SECONDS} s…`);
  const { done, errors, elapsed } = await sustained(create, { seconds: SECONDS, concurrency: CONCURRENCY });

  console.log('\nREST latency (ms), sequential, one client, loopback');
  console.table([summary('POST /v1/providers', createMs), summary('GET /v1/providers/:id', getMs)]);
  console.log(`Commands sustained: ${(done / elapsed).toFixed(0)} create-provider/s at concurrency ${CONCURRENCY} (${done} in ${elapsed.toFixed(1)} s, ${errors} errors)`);
} finally {
  await stack.stop();
  await deleteEventsStream(stack.names);
}
