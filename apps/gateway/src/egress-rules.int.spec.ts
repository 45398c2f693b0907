import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId } from '@switchboard/contracts';
import { connectNats, ensureEventsStream } from '@switchboard/messaging';
import { MockLlmUpstream, deleteEventsStream } from '@switchboard/testing';
import { generateAccessKey } from './auth/access-key.js';
import type { GatewayHarness } from '../test/gateway.harness.js';

// Set before the harness (and the fakes' decorators, which read it) is imported.
const namespace = `t${randomBytes(5).toString('hex')}`;
process.env.SWITCHBOARD_NAMESPACE = namespace;

type Json = Record<string, unknown>;
const operatorKey = generateAccessKey();
const UPSTREAM_KEY = 'sk-upstream-egress-0123456789';
const OWNER = newId('tenant');
const OTHER = newId('tenant');
const errorOf = (body: unknown) => (body as { error: { code: string; message: string } }).error;

/** An OpenAI-compatible upstream on [::1], where base paths are tried: it records every request line it is sent. */
async function recordingUpstream(): Promise<{ server: Server; port: number; origin: string; paths: string[] }> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(`${req.method ?? ''} ${req.url ?? ''}`);
    req.resume();
    req.on('end', () => {
      const body = req.url?.endsWith('/models')
        ? { object: 'list', data: [{ id: 'based-model', object: 'model', created: 1_700_000_000 }] }
        : {
            id: 'chatcmpl-1',
            object: 'chat.completion',
            created: 1_700_000_000,
            model: 'based-model',
            choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
            usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
          };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '::1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { server, port, origin: `http://[::1]:${port}`, paths };
}

/**
 * SWITCHBOARD_EGRESS_ALLOW narrowed by tenant and port: 127.0.0.1 on the mock upstream's port for OWNER only, ::1 on
 * the recording upstream's port for every tenant, nothing else on loopback for anyone.
 */
describe('egress rules per tenant and port, and endpoint paths (gateway in-process, real NATS, fake services)', () => {
  let h: GatewayHarness;
  let mock: MockLlmUpstream;
  let based: Awaited<ReturnType<typeof recordingUpstream>>;
  let spoolDir: string;
  const keys: Record<string, string> = {};

  const call = (tenantId: string, method: string, url: string, body?: Json) => h.request(method, url, { key: keys[tenantId] ?? '', body });
  /** Waits for the discovery a saved key starts by itself, so its upstream call is over before the test's own. */
  const provider = async (tenantId: string, name: string, endpoint: string): Promise<string> => {
    const created = await call(tenantId, 'POST', '/v1/providers', { name, type: 'custom', endpoint, apiKey: UPSTREAM_KEY });
    expect(created.status).toBe(201);
    const id = (created.body as Json).id as string;
    const deadline = Date.now() + 5_000;
    while (!h.state.discoveries.includes(id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(h.state.discoveries).toContain(id);
    return id;
  };
  const agentKeyFor = async (tenantId: string, providerId: string, model: string): Promise<string> => {
    await call(tenantId, 'POST', `/v1/providers/${providerId}/models`, { name: model, upstreamModel: model });
    const agent = (await call(tenantId, 'POST', '/v1/agents', { name: `${model}-agent`, providerId, model })).body as Json;
    return ((await call(tenantId, 'POST', '/v1/keys', { name: `${model}-key`, role: 'agent', agentId: agent.id })).body as Json).key as string;
  };
  const chat = (agentKey: string, model: string) =>
    h.request('POST', '/v1/chat/completions', { key: agentKey, body: { model, messages: [{ role: 'user', content: 'hi' }] } });

  beforeAll(async () => {
    const { GatewayHarness } = await import('../test/gateway.harness.js');
    mock = await new MockLlmUpstream({ requiredKey: UPSTREAM_KEY, models: ['gpt-owned'] }).start();
    based = await recordingUpstream();
    spoolDir = mkdtempSync(join(tmpdir(), 'sb-egress-spool-'));
    const egressAllow = `${OWNER}@127.0.0.1/32:${new URL(mock.baseUrl).port}, [::1/128]:${based.port}`;
    h = await GatewayHarness.start({ namespace, operatorKey, egressAllow, spoolDir });
    const nc = await connectNats({ ...h.nats, name: 'egress-int-setup' });
    await ensureEventsStream(nc, h.names);
    await nc.close();
    h.state.nextTenantIds.push(OWNER, OTHER);
    for (const tenantId of [OWNER, OTHER]) {
      keys[tenantId] = ((await h.request('POST', '/v1/tenants', { key: operatorKey, body: { name: tenantId } })).body as Json).adminKey as string;
    }
  });

  afterAll(async () => {
    await h?.close();
    await mock?.stop();
    await new Promise((resolve) => based?.server.close(resolve));
    if (h) await deleteEventsStream(h.names);
    rmSync(spoolDir, { recursive: true, force: true });
  });

  it('refuses at save a tenant an entry does not name, and a port no entry names, with host, port and tenant', async () => {
    const mockPort = new URL(mock.baseUrl).port;
    await provider(OWNER, 'owned', `${mock.baseUrl}/v1`);

    const other = await call(OTHER, 'POST', '/v1/providers', { name: 'owned', type: 'custom', endpoint: `${mock.baseUrl}/v1` });
    expect(other.status).toBe(400);
    expect(errorOf(other.body)).toEqual({
      code: 'validation_failed',
      message:
        `endpoint: endpoint 127.0.0.1:${mockPort} resolves to a loopback address (127.0.0.1), which SWITCHBOARD_EGRESS_ALLOW does not allow ` +
        `for tenant ${OTHER} on port ${mockPort}; an entry such as ${OTHER}@127.0.0.1/32:${mockPort} would allow it`,
    });

    const otherPort = await call(OWNER, 'POST', '/v1/providers', { name: 'elsewhere', type: 'custom', endpoint: 'http://127.0.0.1:9/v1' });
    expect(otherPort.status).toBe(400);
    expect(errorOf(otherPort.body).message).toBe(
      `endpoint: endpoint 127.0.0.1:9 resolves to a loopback address (127.0.0.1), which SWITCHBOARD_EGRESS_ALLOW allows for tenant ${OWNER} ` +
        `only on port ${mockPort}, not on port 9`,
    );

    const allowed = await provider(OTHER, 'shared', `${based.origin}/v1`);
    const patched = await call(OTHER, 'PATCH', `/v1/providers/${allowed}`, { endpoint: `${mock.baseUrl}/v1` });
    expect(patched.status).toBe(400);
    expect(errorOf(patched.body).message).toContain(`for tenant ${OTHER} on port ${mockPort}`);
    expect(h.state.providers.get(allowed)?.endpoint).toBe(`${based.origin}/v1`);
    expect([...h.state.providers.values()].filter((p) => p.tenantId === OTHER).map((p) => p.name)).toEqual(['shared']);
  });

  it.each([
    ['a query', (origin: string) => `${origin}/admin/users?x=`, 'endpoint must not contain a query'],
    ['an empty query', (origin: string) => `${origin}/v1?`, 'endpoint must not contain a query'],
    ['a fragment', (origin: string) => `${origin}/v1#x`, 'endpoint must not contain a fragment'],
  ])('refuses an endpoint with %s at save (400)', async (_label, endpoint, message) => {
    const before = h.state.providers.size;
    const created = await call(OTHER, 'POST', '/v1/providers', { name: 'swallowing', type: 'custom', endpoint: endpoint(based.origin) });
    expect(created.status).toBe(400);
    expect(errorOf(created.body)).toMatchObject({ code: 'validation_failed', message: expect.stringContaining(message) });
    const id = [...h.state.providers.values()].find((p) => p.tenantId === OTHER)?.id ?? '';
    const patched = await call(OTHER, 'PATCH', `/v1/providers/${id}`, { endpoint: endpoint(based.origin) });
    expect(patched.status).toBe(400);
    expect(h.state.providers.size).toBe(before);
  });

  it('refuses at connect a row saved before the rule was tightened: discovery, Test and proxied calls', async () => {
    const id = await provider(OTHER, 'tightened', `${based.origin}/v1`);
    const model = (await call(OTHER, 'POST', `/v1/providers/${id}/models`, { name: 'gpt-owned', upstreamModel: 'gpt-owned' })).body as Json;
    const agentKey = await agentKeyFor(OTHER, id, 'gpt-owned-2');
    // As if saved while a plain 127.0.0.1/32 was allowed: the row now points at OWNER's upstream.
    const row = h.state.providers.get(id);
    if (row === undefined) throw new Error('provider not stored');
    h.state.providers.set(id, { ...row, endpoint: `${mock.baseUrl}/v1` });
    mock.resetCalls();

    const discovered = await call(OTHER, 'POST', `/v1/providers/${id}/models:discover`);
    expect(discovered.status).toBe(400);
    expect(errorOf(discovered.body).message).toContain('does not allow for this tenant on port');
    const tested = await call(OTHER, 'POST', `/v1/models/${model.id as string}/test`);
    expect(tested.body).toMatchObject({ ok: false, error: { code: 'upstream_refused_address' } });
    const proxied = await chat(agentKey, 'gpt-owned-2');
    expect(proxied.status).toBeGreaterThanOrEqual(500);
    expect(proxied.text).toContain('does not allow for this tenant');
    expect(mock.calls()).toEqual([]);

    // The tenant the entry names is served by the same gateway.
    const owned = [...h.state.providers.values()].find((p) => p.tenantId === OWNER && p.name === 'owned');
    const ownerDiscovery = await call(OWNER, 'POST', `/v1/providers/${owned?.id ?? ''}/models:discover`);
    expect(ownerDiscovery.status).toBe(200);
    expect(mock.calls().map((c) => c.endpoint)).toEqual(['models']);
  });

  it('appends the protocol path to an endpoint with a base path, with or without a trailing slash', async () => {
    const slash = await provider(OWNER, 'team-a', `${based.origin}/team-a/openai/v1/`);
    const bare = await provider(OWNER, 'team-b', `${based.origin}/team-b/v1`);
    based.paths.length = 0;

    expect((await call(OWNER, 'POST', `/v1/providers/${slash}/models:discover`)).status).toBe(200);
    expect((await call(OWNER, 'POST', `/v1/providers/${bare}/models:discover`)).status).toBe(200);
    const models = (await call(OWNER, 'GET', `/v1/providers/${bare}/models`)).body as { data: Json[] };
    const tested = await call(OWNER, 'POST', `/v1/models/${models.data[0]?.id as string}/test`);
    expect(tested.body).toMatchObject({ ok: true });
    const proxied = await chat(await agentKeyFor(OWNER, slash, 'team-a-model'), 'team-a-model');
    expect(proxied.status).toBe(200);

    expect(based.paths).toEqual([
      'GET /team-a/openai/v1/models',
      'GET /team-b/v1/models',
      'POST /team-b/v1/chat/completions',
      'POST /team-a/openai/v1/chat/completions',
    ]);
  });
});
