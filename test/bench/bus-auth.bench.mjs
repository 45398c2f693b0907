// What the bus's service identities cost (run by hand after `npm run build`: `node test/bench/bus-auth.bench.mjs`).
// In this process: microseconds per request-token signature and verification, per reply proof signature and
// verification, and per statement verification (the transport key), on a payload the size of a management request.
// What that adds to a management call end to end is what `npm run bench` (REST p50 of create/get provider) shows
// against a build without it. Env: BENCH_MICRO_N (default 20000).
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { Actor, SERVICE_NAMES, defineOperation, fromGateway } from '@switchboard/contracts';
import { generateServiceKeyPair, loadSigningKey, ServiceIdentity, TrustedKeys } from '@switchboard/service-identity';
import { z } from 'zod';
import { pct } from './bench-kit.mjs';

const MICRO_N = Number(process.env.BENCH_MICRO_N ?? 20_000);

const pairs = Object.fromEntries(SERVICE_NAMES.map((s) => [s, generateServiceKeyPair()]));
const trusted = TrustedKeys.parse(Object.fromEntries(SERVICE_NAMES.map((s) => [s, [pairs[s].publicKey]])));
const identity = (service) => new ServiceIdentity(service, loadSigningKey(pairs[service].privateKeyPem), trusted);

const Op = defineOperation('providers.v1.bench-op', z.object({ actor: Actor, id: z.string(), body: z.object({ name: z.string() }) }), z.object({}), fromGateway);
const principal = { tenantId: 'ten_0123456789abcdefghij', keyId: 'key_0123456789abcdefghij', role: 'admin', agentId: null };
const body = JSON.stringify({ id: 'prv_0123456789abcdefghij', body: { name: 'x'.repeat(200) } });

function perCall(label, n, fn) {
  const samples = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn(i);
    samples[i] = (performance.now() - t0) * 1000;
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / n;
  return { what: label, n, 'mean µs': mean.toFixed(1), 'p50 µs': pct(sorted, 50).toFixed(1), 'p99 µs': pct(sorted, 99).toFixed(1) };
}

const gateway = identity('gateway');
const providers = identity('providers');
// Warm-up, so the first rows do not pay for JIT.
for (let i = 0; i < 500; i++) providers.verifyRequest(gateway.signRequest(Op, body, principal).token, Op, body);

const tokens = [];
const rows = [perCall('sign request token', MICRO_N, () => tokens.push(gateway.signRequest(Op, body, principal)))];
rows.push(
  perCall('verify request token', MICRO_N, (i) => {
    if (!providers.verifyRequest(tokens[i].token, Op, body).ok) throw new Error('refused');
  }),
);
const reply = JSON.stringify({ ok: true, value: { id: 'prv_0123456789abcdefghij', name: 'x'.repeat(200) } });
const proofs = [];
rows.push(perCall('sign reply proof', MICRO_N, (i) => proofs.push(providers.signReply(tokens[i].jti, reply))));
rows.push(
  perCall('verify reply proof', MICRO_N, (i) => {
    if (!gateway.verifyReply(proofs[i], Op, tokens[i].jti, reply)) throw new Error('refused');
  }),
);
const statement = `switchboard/transport-key/v1|${randomBytes(32).toString('base64')}`;
const signature = providers.signStatement(statement);
rows.push(perCall('verify a statement', MICRO_N, () => gateway.verifyStatement('providers', statement, signature)));
console.log('Service identity, per operation, in this process:');
console.table(rows);
const total = rows.slice(0, 4).reduce((sum, row) => sum + Number(row['mean µs']), 0);
console.log(`One internal round trip (sign + verify the request, sign + verify the reply): ${total.toFixed(0)} µs of CPU, split over caller and callee`);
