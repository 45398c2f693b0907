// Agent start → credential.issued, on the real stack (run by hand after `npm run build`):
//   node test/bench/issuance.bench.mjs
// For each KMS backend (local, and aws against the KMS-protocol emulator) it prints the latency from
// POST /v1/agents/:id/start to the credential.issued message arriving on NATS (p50/p99, sequential)
// (with where it goes: the 202, agent.start_requested on NATS, credential.issued) and the sustained
// issuance rate with many starts in flight. Env: BENCH_N (default 200),
// BENCH_BURST (default 500), BENCH_CONCURRENCY (default 32).
import { performance } from 'node:perf_hooks';
import { connect } from '@nats-io/transport-node';
import { ApiClient, KmsEmulator, Stack, deleteEventsStream } from '@switchboard/testing';
import { issuanceProbe, issuanceSetup, pct, sequentialStarts } from './bench-kit.mjs';

const N = Number(process.env.BENCH_N ?? 200);
const BURST = Number(process.env.BENCH_BURST ?? 500);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);

async function run(label, kmsOption) {
  const stack = await Stack.start(kmsOption ? { kms: kmsOption } : {});
  const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
  try {
    const tenant = await new ApiClient(stack.gatewayUrl, stack.operatorKey).post('/v1/tenants', { name: 'bench' });
    const tenantId = tenant.body.id;
    const admin = new ApiClient(stack.gatewayUrl, tenant.body.adminKey);
    const { recipientId, agents } = await issuanceSetup(admin);
    const probe = issuanceProbe({ stack, nc, admin, tenantId, recipientId });
    const { startOnce, outcomes } = probe;

    const rows = [];
    for (const delivery of ['direct', 'proxy']) {
      const { ms, phases } = await sequentialStarts(probe, agents[delivery], N);
      rows.push({
        backend: label,
        delivery,
        n: N,
        'p50 ms': pct(ms, 50).toFixed(2),
        'p99 ms': pct(ms, 99).toFixed(2),
        // start → 202; start → agent.start_requested on NATS; agent.start_requested → credential.issued
        '202 p50': pct(phases.accepted, 50).toFixed(2),
        'requested p50': pct(phases.requested, 50).toFixed(2),
        'requested→issued p50': pct(phases.issued, 50).toFixed(2),
        'requested→issued p99': pct(phases.issued, 99).toFixed(2),
      });
    }
    const before = outcomes.issued;
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < BURST) {
          next++;
          await startOnce(agents.direct);
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    probe.close();
    return { rows, rate: { backend: label, starts: BURST, concurrency: CONCURRENCY, 'issued/s': ((outcomes.issued - before) / seconds).toFixed(0), denied: outcomes.denied } };
  } finally {
    await nc.close();
    await stack.stop();
    await deleteEventsStream(stack.names);
  }
}

const emulator = await new KmsEmulator().start();
try {
  console.log('local KMS backend…');
  const local = await run('local', null);
  console.log('aws KMS backend (emulator on loopback)…');
  const aws = await run('aws-emulator', { backend: 'aws', endpoint: emulator.endpoint, keyId: emulator.createKey() });
  console.log('\nagent start → credential.issued on NATS (sequential, one client, loopback)');
  console.table([...local.rows, ...aws.rows]);
  console.log(`issuance rate, ${BURST} direct starts at concurrency ${CONCURRENCY}`);
  console.table([local.rate, aws.rate]);
} finally {
  await emulator.stop();
}
