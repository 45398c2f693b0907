// The multi-node run, by hand: `npm run cluster` (builds first). A 3-node NATS cluster with JetStream on loopback
// ports, two processes of every service given all three URLs with R3 for EVENTS and the KV buckets, and steady
// proxy load with budgets and RPM limits against the mock upstream. Steps: kill -9 the NATS node leading EVENTS,
// then another node (each restarted on its ports and store), then one process of each service (restarted). Prints
// progress, the replicas JetStream reports, one row per step, and exits 1 if an invariant failed (see README,
// "Reliability"). Options (env): CLUSTER_ONLY (step names, comma-separated), CLUSTER_ECHO=1 (the services' output).
import { ClusterBed } from './cluster.bed.js';
import { replicaReport, replicasHeld } from './cluster.replicas.js';
import { allSteps, runStep, tableRows, type StepResult } from './cluster.steps.js';

const t0 = Date.now();
const log = (line: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${line}`);

const only = process.env.CLUSTER_ONLY?.split(',').map((s) => s.trim()).filter((s) => s !== '');
const steps = allSteps().filter((s) => only === undefined || only.includes(s.name));
if (steps.length === 0) {
  console.error(`no step matches CLUSTER_ONLY; steps: ${allSteps().map((s) => s.name).join(', ')}`);
  process.exit(2);
}

log('starting a 3-node NATS cluster and the stack (2 processes of each service)');
const bed = await ClusterBed.start({ log, echo: process.env.CLUSTER_ECHO === '1' });
let stopping: Promise<void> | null = null;
const stop = () => (stopping ??= bed.stop());
// Ctrl-C still removes every nats-server, service process, temporary directory and the database.
process.once('SIGINT', () => void stop().finally(() => process.exit(130)));

const results: StepResult[] = [];
let replicasOk = false;
let crashed: Error | null = null;
try {
  const rows = await replicaReport(bed);
  console.log('\nJetStream replicas (from the JetStream API)');
  console.table(rows);
  const held = replicasHeld(rows, bed.stack.names.eventsStream, bed.stack.names.namespace);
  replicasOk = held.ok;
  log(`${held.ok ? 'ok  ' : 'FAIL'} R3 for EVENTS, every KV bucket and every consumer: ${held.detail}`);
  for (const [i, step] of steps.entries()) {
    log(`step ${i + 1}/${steps.length}: ${step.name}`);
    results.push(await runStep(bed, step, log));
  }
} catch (error) {
  crashed = error as Error;
  log(`aborted: ${crashed.stack ?? crashed.message}`);
  log(`service output (tail):\n${bed.stack.output().slice(-4000)}`);
} finally {
  log('stopping the stack and the NATS cluster');
  await stop();
}

console.log('\nCluster summary');
console.table(tableRows(results));
const failed = results.filter((r) => !r.ok);
for (const r of failed) for (const i of r.invariants.filter((x) => !x.ok)) console.log(`FAIL ${r.name}: ${i.name}: ${i.detail}`);
console.log(`${results.length - failed.length} of ${steps.length} steps held every invariant; replicas ${replicasOk ? 'R3' : 'NOT R3'}; ${((Date.now() - t0) / 1000).toFixed(0)} s`);
process.exit(crashed !== null || failed.length > 0 || !replicasOk || results.length < steps.length ? 1 : 0);
