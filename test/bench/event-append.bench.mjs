// Event appends: commands/s through the event store, and REST latency of management calls while appends run.
// Run by hand after `npx tsc -b tsconfig.build.json` (or `npm run build`): `node test/bench/event-append.bench.mjs`.
//
// Phase `store`: in this process, on a fresh database, `handleCommand` (read stream → fold → decide → append at the
// version read) with a one-event counter decider, at each concurrency level for BENCH_SECONDS per round. Each worker
// writes ten commands to a stream and then moves to a new one, so streams stay short and conflicts do not occur.
// Two variants: `plain` (the append alone) and `inline` (an afterAppend hook upserting a read-model row in the
// append's transaction, as providers-service's inline projections do). Besides commands/s and latency, each row
// shows CPU per command of this process and of its PostgreSQL backends (from /proc): on a shared machine those move
// less with the neighbours' load than the rates do.
// Phase `rest` (event-append.rest.mjs): the whole stack (gateway + services); one sequential client times
// GET /v1/providers?limit=20, POST /v1/providers and PATCH /v1/providers/:id (If-Match) on its own tenant, alone, then
// while BENCH_REST_LOAD clients create providers through the gateway (spread over 8 tenants, so no tenant's quota lock
// serialises them), then while BENCH_STORE_LOAD workers in this process append (as in phase `store`) to a schema of
// their own in the stack's database: the appends/s the store sustains, on the server the services use.
// Env: BENCH_ONLY (`store`, `rest`, `store:plain`, `store:inline`), BENCH_CONCURRENCY (default `1,8,32,64`),
// BENCH_SECONDS (per round and level; default 3), BENCH_ROUNDS (default 3; the table shows each round's figure and
// the median), BENCH_REST_SECONDS (per probe window; default 8), BENCH_REST_LOAD (default 32), BENCH_STORE_LOAD
// (default 64), BENCH_PROVIDERS_ARGS (node arguments for providers-service in place of `--enable-source-maps`, e.g.
// `--cpu-prof --cpu-prof-dir=/tmp/prof`; summarise with `node test/bench/cpuprofile.summary.mjs /tmp/prof/*.cpuprofile`).
import { performance } from 'node:perf_hooks';
import { createTestDatabase } from '@switchboard/testing';
import { ascending, cpuTicks, onlyFilter, pct } from './bench-kit.mjs';
import { appendLoad, benchStore } from './event-append.load.mjs';
import { restPhase } from './event-append.rest.mjs';

const CONCURRENCIES = (process.env.BENCH_CONCURRENCY ?? '1,8,32,64').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const { selected } = onlyFilter();

const median = (list) => pct(ascending(list), 50);

/** CPU ticks (10 ms) of this process's PostgreSQL backends: the database's share of the work, whatever else runs. */
async function backendTicks(ds) {
  const rows = await ds.query(`SELECT pid FROM pg_stat_activity WHERE application_name = 'event-append-bench'`);
  let ticks = 0;
  for (const { pid } of rows) {
    try {
      ticks += cpuTicks(pid);
    } catch {
      // a backend that has just exited
    }
  }
  return ticks;
}

async function storeLevel(store, { concurrency, seconds, prefix, afterAppend }) {
  const cpu0 = process.cpuUsage();
  const pg0 = await backendTicks(store.dataSource);
  const until = performance.now() + seconds * 1000;
  const r = await appendLoad(store, { concurrency, running: () => performance.now() < until, prefix, afterAppend });
  const cpu = process.cpuUsage(cpu0);
  const pgUs = ((await backendTicks(store.dataSource)) - pg0) * 10_000;
  const per = (us) => us / Math.max(1, r.done);
  return { ...r, clientUs: per(cpu.user + cpu.system), pgUs: per(pgUs) };
}

/** Mean and largest group-commit batch over a level (absent before group commit existed). */
function batchColumns(before, after) {
  if (!before || !after) return {};
  const batches = after.batches - before.batches;
  return { 'mean batch': batches > 0 ? ((after.items - before.items) / batches).toFixed(1) : '-', 'largest batch': after.largestBatch };
}

async function storePhase() {
  const db = await createTestDatabase();
  const { ds, store, close } = await benchStore(db.url, { schema: 'bench_es', applicationName: 'event-append-bench' });
  try {
    await ds.query(`CREATE TABLE bench_es.counter_view (stream_id text PRIMARY KEY, total int NOT NULL)`);
    const inlineProjection = async (tx, events, state) => {
      await tx.query(
        `INSERT INTO bench_es.counter_view (stream_id, total) VALUES ($1, $2) ON CONFLICT (stream_id) DO UPDATE SET total = EXCLUDED.total`,
        [events[0].streamId, state.total],
      );
      return { ok: true, value: undefined };
    };
    const rows = [];
    let run = 0;
    for (const variant of ['plain', 'inline'].filter((v) => selected('store', `store:${v}`))) {
      await storeLevel(store, { concurrency: 8, seconds: 1, prefix: `warm-${variant}` });
      for (const concurrency of CONCURRENCIES) {
        const rounds = [];
        const before = store.groupCommitStats?.();
        for (let round = 0; round < ROUNDS; round++) {
          const afterAppend = variant === 'inline' ? inlineProjection : undefined;
          rounds.push(await storeLevel(store, { concurrency, seconds: SECONDS, prefix: `s${run++}`, afterAppend }));
        }
        rows.push({
          variant,
          concurrency,
          'commands/s (rounds)': rounds.map((r) => r.perSecond.toFixed(0)).join(' / '),
          'commands/s median': median(rounds.map((r) => r.perSecond)).toFixed(0),
          'p50 ms median': median(rounds.map((r) => r.p50)).toFixed(2),
          'p99 ms median': median(rounds.map((r) => r.p99)).toFixed(2),
          'bench CPU µs/cmd': median(rounds.map((r) => r.clientUs)).toFixed(0),
          'PG backends CPU µs/cmd': median(rounds.map((r) => r.pgUs)).toFixed(0),
          failed: rounds.reduce((n, r) => n + r.failed, 0),
          ...batchColumns(before, store.groupCommitStats?.()),
        });
      }
    }
    console.log(`\nEvent store appends: handleCommand, one event per command, ${SECONDS} s per round, ${ROUNDS} rounds`);
    console.table(rows);
  } finally {
    await close();
    await db.drop();
  }
}

if (selected('store', 'store:plain', 'store:inline')) await storePhase();
if (selected('rest')) await restPhase();
