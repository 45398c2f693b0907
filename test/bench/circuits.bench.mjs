// What failover adds to each proxied call of an agent without trouble, measured in-process on the built code (after
// `npm run build`): `node test/bench/circuits.bench.mjs`. Per call the gateway now builds the call's target list,
// asks the provider's circuit whether it admits the call, and runs the forward through the provider's cockatiel breaker.
// Prints ns per call: the attempt run directly (the floor: one awaited async function), through a breaker, and the
// whole per-call failover overhead (targets + admits + run). Env: BENCH_N (calls per measurement, default 200000).
import { createLogger } from '@switchboard/telemetry';
import { failoverTargets } from '../../apps/gateway/dist/proxy/failover/failover.targets.js';
import { ProviderCircuits } from '../../apps/gateway/dist/proxy/failover/provider-circuits.js';

const N = Number(process.env.BENCH_N ?? 200_000);
const logger = createLogger('bench', { level: 'error', write: () => undefined });
const circuits = new ProviderCircuits({ failures: 5, halfOpenMs: 30_000, logger });
const outcome = { kind: 'answered', opensCircuit: false };
const attempt = async () => outcome;
const route = {
  tenantId: 'ten_1',
  agent: { id: 'agt_1', name: 'a', model: null, delivery: 'proxy', monthlyBudgetUsd: null },
  provider: { id: 'prv_1' },
  models: [],
  fallbacks: [{ provider: { id: 'prv_2' }, model: 'backup', models: [] }],
  tenant: {},
};

async function measure(name, fn) {
  for (let i = 0; i < N / 10; i++) await fn(i);
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await fn(i);
  const ns = Number(process.hrtime.bigint() - start) / N;
  process.stderr.write(`${name.padEnd(52)} ${ns.toFixed(0).padStart(6)} ns/call\n`);
}

await measure('attempt awaited directly (floor)', () => attempt());
await measure('ProviderCircuits.run (closed circuit)', () => circuits.run('prv_1', attempt, false));
await measure('targets + admits + run (one provider of 1000)', async (i) => {
  const id = `prv_${i % 1000}`;
  const [first] = failoverTargets({ ...route, provider: { id } }, 'm');
  if (circuits.admits(first.route.provider.id)) await circuits.run(id, attempt, false);
});
