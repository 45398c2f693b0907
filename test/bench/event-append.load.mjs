// The append load of event-append.bench.mjs: workers running handleCommand with a one-event counter decider, each
// writing COMMANDS_PER_STREAM commands to a stream before moving to a new one (short streams, no conflicts).
import { performance } from 'node:perf_hooks';
import { busNames } from '@switchboard/contracts';
import { createDataSource, handleCommand, PgEventStore } from '@switchboard/event-store';
import { ascending, pct } from './bench-kit.mjs';

const COMMANDS_PER_STREAM = 10;
const at = new Date('2030-01-01T00:00:00Z');

const counter = {
  initialState: { total: 0 },
  decide: (command) => ({ ok: true, value: [{ type: 'Incremented', data: { by: command.data.by } }] }),
  evolve: (state, event) => ({ total: state.total + event.data.by }),
};

let eventSeq = 0;
const newEventId = () => `evt_bench_${process.pid}_${++eventSeq}`;

/** A store in its own schema of the database at `url`, migrated; `close()` ends its pool. */
export async function benchStore(url, { schema, applicationName }) {
  const ds = createDataSource(url, { applicationName });
  await ds.initialize();
  const store = new PgEventStore(ds, { schema, busNames: busNames('tbench'), busTypeOf: (t) => `counter.${t.toLowerCase()}` });
  await store.migrate();
  return { ds, store, close: () => ds.destroy() };
}

/** `concurrency` workers appending until `running()` turns false; commands done, failed and latency percentiles. */
export async function appendLoad(store, { concurrency, running, prefix, afterAppend }) {
  const latencies = [];
  let done = 0;
  let failed = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = 0; running(); i++) {
        const t0 = performance.now();
        const r = await handleCommand({
          store,
          decider: counter,
          streamId: `${prefix}-${worker}-${Math.floor(i / COMMANDS_PER_STREAM)}`,
          tenantId: 'ten_bench',
          command: { type: 'Increment', data: { by: 1 } },
          metadata: {},
          at,
          newEventId,
          ...(afterAppend ? { afterAppend } : {}),
        });
        latencies.push(performance.now() - t0);
        if (r.ok) done++;
        else failed++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const sorted = ascending(latencies);
  return { done, failed, perSecond: done / elapsed, p50: pct(sorted, 50), p99: pct(sorted, 99) };
}
