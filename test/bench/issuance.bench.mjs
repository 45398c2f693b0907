// Agent start → credential.issued, on the real stack (run by hand after `npm run build`):
//   node test/bench/issuance.bench.mjs
// For each KMS backend (local, and aws against the KMS-protocol emulator) it prints the latency from
// POST /v1/agents/:id/start to the credential.issued message arriving on NATS (p50/p99, sequential)
// (with where it goes: the 202, agent.start_requested on NATS, credential.issued) and the sustained
// issuance rate with many starts in flight. Env: BENCH_N (default 200),
// BENCH_BURST (default 500), BENCH_CONCURRENCY (default 32).
import { performance } from 'node:perf_hooks';
import { connect } from '@nats-io/transport-node';
import { generateRecipientKeyPair } from '@switchboard/sealing';
import { ApiClient, KmsEmulator, Stack, deleteEventsStream } from '@switchboard/testing';

const N = Number(process.env.BENCH_N ?? 200);
const BURST = Number(process.env.BENCH_BURST ?? 500);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const pct = (s, p) => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];

async function run(label, kmsOption) {
  const stack = await Stack.start(kmsOption ? { kms: kmsOption } : {});
  const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
  try {
    const tenant = await new ApiClient(stack.gatewayUrl, stack.operatorKey).post('/v1/tenants', { name: 'bench' });
    const tenantId = tenant.body.id;
    const admin = new ApiClient(stack.gatewayUrl, tenant.body.adminKey);
    const recipient = await admin.post('/v1/recipients', { name: 'bench', publicKey: generateRecipientKeyPair().publicKey });
    const provider = await admin.post('/v1/providers', { name: 'p', type: 'openai', apiKey: 'sk-bench-0123456789abcdef' });
    const agents = {};
    for (const delivery of ['direct', 'proxy']) {
      agents[delivery] = (await admin.post('/v1/agents', { name: `a-${delivery}`, providerId: provider.body.id, delivery })).body.id;
    }

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
      const res = await admin.post(`/v1/agents/${agentId}/start`, { recipientId: recipient.body.id });
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

    const rows = [];
    for (const delivery of ['direct', 'proxy']) {
      for (let i = 0; i < 20; i++) await startOnce(agents[delivery]);
      const ms = [];
      const phases = { accepted: [], requested: [], issued: [] };
      for (let i = 0; i < N; i++) ms.push(await startOnce(agents[delivery], phases));
      for (const list of [ms, ...Object.values(phases)]) list.sort((a, b) => a - b);
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
    sub.unsubscribe();
    requestedSub.unsubscribe();
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
