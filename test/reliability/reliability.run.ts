// The reliability (fault) suite, run by hand: `npm run reliability` (builds first). Every scenario runs under
// steady agent calls through the two gateways to the mock upstream, on loopback only, against a stack of its own
// (fresh database, private NATS server, KMS emulator). Prints progress, one summary row per scenario (see README,
// "Reliability"), and exits 1 if any invariant failed. Options via env: RELIABILITY_ONLY (scenario names,
// comma-separated, e.g. `gateway,nats`), RELIABILITY_ECHO=1 (print the services' output), RELIABILITY_RESERVATION_TTL_MS
// (the gateways' budget reservation TTL; default 10 s, the shortest allowed, so that reservations expire during
// the faults and the budget invariant covers expiry too).
import { ReliabilityBed } from './reliability.bed.js';
import { SCENARIOS, runScenario, summaryRows, type ScenarioResult } from './reliability.scenarios.js';

const t0 = Date.now();
const log = (line: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${line}`);

const only = process.env.RELIABILITY_ONLY?.split(',').map((s) => s.trim()).filter((s) => s !== '');
const unknown = only?.filter((name) => !SCENARIOS.some((s) => s.name === name)) ?? [];
if (unknown.length > 0) {
  console.error(`unknown scenario(s): ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  process.exit(2);
}
const chosen = SCENARIOS.filter((s) => only === undefined || only.includes(s.name));

const ttl = process.env.RELIABILITY_RESERVATION_TTL_MS ?? '10000';
const bed = await ReliabilityBed.start({ log, echo: process.env.RELIABILITY_ECHO === '1', ...(ttl ? { reservationTtlMs: Number(ttl) } : {}) });
const results: ScenarioResult[] = [];
let crashed: Error | null = null;
try {
  for (const [i, scenario] of chosen.entries()) {
    log(`scenario ${i + 1}/${chosen.length}: ${scenario.name}`);
    results.push(await runScenario(bed, scenario, log));
  }
} catch (error) {
  crashed = error as Error;
  log(`aborted: ${crashed.stack ?? crashed.message}`);
  log(`service output (tail):\n${bed.stack.output().slice(-4000)}`);
} finally {
  await bed.stop();
}

console.log('\nReliability summary');
console.table(summaryRows(results));
const failed = results.filter((r) => !r.ok);
for (const r of failed) {
  for (const i of r.invariants.filter((x) => !x.ok)) console.log(`FAIL ${r.name}: ${i.name}: ${i.detail}`);
}
console.log(`${results.length - failed.length} of ${chosen.length} scenarios held every invariant in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
process.exit(crashed !== null || failed.length > 0 || results.length < chosen.length ? 1 : 0);
