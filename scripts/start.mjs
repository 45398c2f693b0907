// Runs the four services against the local PostgreSQL and NATS, seeds a demo tenant once and prints
// how to reach it. Ctrl-C stops everything. Settings: see the configuration table in README.md.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureServiceKeyFiles } from '@switchboard/service-identity';
import { ApiClient, MockLlmUpstream, REPO_ROOT, Stack, randomOperatorKey } from '@switchboard/testing';

const stateDir = join(REPO_ROOT, '.switchboard');
mkdirSync(stateDir, { recursive: true });

function operatorKey() {
  if (process.env.SWITCHBOARD_OPERATOR_KEY) return process.env.SWITCHBOARD_OPERATOR_KEY;
  const file = join(stateDir, 'operator.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = randomOperatorKey();
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return key;
}

// One Ed25519 identity key per service (0600) and the trust list they all read, made on first run.
const serviceKeyDir = join(stateDir, 'service-keys');
const createdKeys = ensureServiceKeyFiles(serviceKeyDir);
if (createdKeys.length > 0) console.log(`Created service identity keys for ${createdKeys.join(', ')} in ${serviceKeyDir}`);

const databaseName = process.env.DATABASE_URL ? new URL(process.env.DATABASE_URL).pathname.slice(1) : 'switchboard';
const port = Number(process.env.SWITCHBOARD_PORT ?? 8080);
const host = process.env.SWITCHBOARD_HOST ?? '127.0.0.1';

// A mock LLM upstream on loopback lets the demo tenant call models at once (SWITCHBOARD_DEMO_MOCK=0 skips it).
const withMock = process.env.SWITCHBOARD_DEMO_MOCK !== '0';
const mockPort = Number(process.env.SWITCHBOARD_DEMO_MOCK_PORT ?? 4010);
const mock = withMock ? await new MockLlmUpstream().start(mockPort) : null;
// Exactly the mock's address and port: a plain 127.0.0.1/32 would let every tenant reach every local service.
const egressAllow = [process.env.SWITCHBOARD_EGRESS_ALLOW, mock ? `127.0.0.1/32:${new URL(mock.baseUrl).port}` : ''].filter(Boolean).join(',');

console.log(`Starting Switchboard (database ${databaseName}, NATS ${process.env.NATS_URL ?? 'nats://127.0.0.1:4222'})…`);
const stack = await Stack.start({
  env: egressAllow ? { SWITCHBOARD_EGRESS_ALLOW: egressAllow } : {},
  database: databaseName,
  namespace: process.env.SWITCHBOARD_NAMESPACE ?? '',
  gatewayPort: port,
  gatewayHost: host,
  operatorKey: operatorKey(),
  serviceKeyDir,
  logDir: join(stateDir, 'logs'),
  kms:
    process.env.KMS_BACKEND === 'aws'
      ? { backend: 'aws', endpoint: process.env.KMS_ENDPOINT, keyId: process.env.KMS_KEY_ID ?? '' }
      : { backend: 'local', localDir: process.env.KMS_LOCAL_DIR ?? join(stateDir, 'kms') },
  readyTimeoutMs: 90_000,
});

async function demoTenant() {
  const file = join(stateDir, `demo-tenant.${databaseName}.json`);
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    const check = await new ApiClient(stack.gatewayUrl, saved.adminKey).get('/v1/keys');
    if (check.status === 200) return saved;
  }
  const res = await new ApiClient(stack.gatewayUrl, stack.operatorKey).post('/v1/tenants', { name: 'demo' });
  if (res.status !== 201) throw new Error(`seeding the demo tenant failed: ${res.status} ${res.text}`);
  const demo = { tenantId: res.body.id, adminKey: res.body.adminKey };
  if (mock) Object.assign(demo, await seedMockProvider(new ApiClient(stack.gatewayUrl, demo.adminKey)));
  writeFileSync(file, JSON.stringify(demo, null, 2), { mode: 0o600 });
  return demo;
}

/** A provider on the mock upstream, a model, an agent and its key: enough to try the proxy. */
async function seedMockProvider(admin) {
  const must = (res, what) => {
    if (res.status >= 300) throw new Error(`seeding ${what} failed: ${res.status} ${res.text}`);
    return res.body;
  };
  const provider = must(
    await admin.post('/v1/providers', { name: 'demo-mock', type: 'custom', endpoint: `${mock.baseUrl}/v1`, apiKey: 'sk-demo-mock-upstream' }),
    'the mock provider',
  );
  must(await admin.post(`/v1/providers/${provider.id}/models`, { name: 'demo-model', upstreamModel: 'gpt-mock' }), 'the demo model');
  const agent = must(await admin.post('/v1/agents', { name: 'demo-agent', providerId: provider.id, model: 'demo-model' }), 'the demo agent');
  const key = must(await admin.post('/v1/keys', { name: 'demo agent key', role: 'agent', agentId: agent.id }), 'the agent key');
  return { agentId: agent.id, agentKey: key.key };
}

try {
  const demo = await demoTenant();
  console.log(`
Switchboard is running.
  Gateway         ${stack.gatewayUrl}
  API docs        ${stack.gatewayUrl}/docs
  Health          ${stack.gatewayUrl}/readyz    Metrics ${stack.gatewayUrl}/metrics
  Operator key    in ${join(stateDir, 'operator.key')} (or SWITCHBOARD_OPERATOR_KEY)
  Demo tenant     ${demo.tenantId}
  Demo admin key  ${demo.adminKey}
  Logs            ${join(stateDir, 'logs')}

Try:  curl -s -H "Authorization: Bearer ${demo.adminKey}" ${stack.gatewayUrl}/v1/providers${
    demo.agentKey && mock
      ? `
      curl -s ${stack.gatewayUrl}/v1/chat/completions -H "Authorization: Bearer ${demo.agentKey}" \\
        -H 'content-type: application/json' -d '{"model":"demo-model","messages":[{"role":"user","content":"hi"}]}'
  (the demo agent calls a mock LLM upstream on ${mock.baseUrl})`
      : ''
  }
Ctrl-C stops the stack.`);
} catch (error) {
  console.error(error.message);
  await stack.stop();
  await mock?.stop();
  process.exit(1);
}

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping…');
  await stack.stop();
  await mock?.stop();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
for (const s of stack.services) {
  s.exited.then((code) => {
    if (!stopping) console.error(`${s.name} exited (code ${code}); see ${join(stateDir, 'logs', `${s.name}-${s.index}.log`)}`);
  });
}
