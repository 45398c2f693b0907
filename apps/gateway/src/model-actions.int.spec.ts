import { randomBytes } from 'node:crypto';
import { MockLlmUpstream } from '@switchboard/testing';
import { generateAccessKey } from './auth/access-key.js';
import type { GatewayHarness } from '../test/gateway.harness.js';

// Set before the harness (and the fakes' decorators, which read it) is imported.
const namespace = `t${randomBytes(5).toString('hex')}`;
process.env.SWITCHBOARD_NAMESPACE = namespace;

type Json = Record<string, unknown>;
const operatorKey = generateAccessKey();
const UPSTREAM_KEY = 'sk-upstream-discovery-0123456789';
const errorOf = (body: unknown) => (body as { error: { code: string; message: string } }).error;

describe('endpoint checks, model discovery and the Test action (gateway in-process, real NATS, fake services, mock upstream)', () => {
  let h: GatewayHarness;
  let mock: MockLlmUpstream;
  let admin: string;
  let member: string;

  const request = (method: string, url: string, body?: Json, key = admin) => h.request(method, url, { key, body });

  beforeAll(async () => {
    const { GatewayHarness } = await import('../test/gateway.harness.js');
    mock = await new MockLlmUpstream({ requiredKey: UPSTREAM_KEY, models: ['gpt-a', 'gpt-b'] }).start();
    h = await GatewayHarness.start({ namespace, operatorKey, egressAllow: '127.0.0.1/32' });
    admin = ((await request('POST', '/v1/tenants', { name: 'discovery' }, operatorKey)).body as Json).adminKey as string;
    member = ((await request('POST', '/v1/keys', { name: 'reader', role: 'member' })).body as Json).key as string;
  });

  afterAll(async () => {
    await h?.close();
    await mock?.stop();
  });

  it('refuses an endpoint the egress policy forbids before anything is written', async () => {
    const metadata = await request('POST', '/v1/providers', { name: 'imds', type: 'custom', endpoint: 'http://169.254.169.254/v1', apiKey: 'sk-123456789' });
    expect(metadata.status).toBe(400);
    expect(errorOf(metadata.body)).toMatchObject({ code: 'validation_failed', message: expect.stringContaining('metadata') });
    const privateNet = await request('POST', '/v1/providers', { name: 'vllm', type: 'custom', endpoint: 'http://10.1.2.3:8000/v1' });
    expect(privateNet.status).toBe(400);
    expect(errorOf(privateNet.body).message).toMatch(/SWITCHBOARD_EGRESS_ALLOW/);
    expect(h.state.providers.size).toBe(0);
    expect(h.credentials.secrets.size).toBe(0);

    const created = await request('POST', '/v1/providers', { name: 'mock', type: 'custom', endpoint: `${mock.baseUrl}/v1` });
    expect(created.status).toBe(201);
    const id = (created.body as Json).id as string;
    const patched = await h.request('PATCH', `/v1/providers/${id}`, { key: admin, body: { endpoint: 'http://[::ffff:169.254.169.254]/v1' } });
    expect(patched.status).toBe(400);
    expect(h.state.providers.get(id)?.endpoint).toBe(`${mock.baseUrl}/v1`);
  });

  it('discovers models by itself after a provider with a key is registered, and on request', async () => {
    const created = await request('POST', '/v1/providers', { name: 'auto', type: 'custom', endpoint: `${mock.baseUrl}/v1`, apiKey: UPSTREAM_KEY });
    expect(created.status).toBe(201);
    const id = (created.body as Json).id as string;
    const deadline = Date.now() + 5_000;
    while (!h.state.discoveries.includes(id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(h.state.discoveries).toContain(id);
    expect(mock.calls().at(-1)).toMatchObject({ endpoint: 'models', headers: { authorization: `Bearer ${UPSTREAM_KEY}` } });

    const discovered = await request('POST', `/v1/providers/${id}/models:discover`);
    expect(discovered.status).toBe(200);
    const names = ((discovered.body as Json).data as Json[]).map((m) => m.upstreamModel);
    expect(names.sort()).toEqual(['gpt-a', 'gpt-b']);
    expect((await request('POST', `/v1/providers/${id}/models:discover`, undefined, member)).status).toBe(403);
  });

  it('maps upstream failures of discovery to management errors', async () => {
    const created = await request('POST', '/v1/providers', { name: 'bad-key', type: 'custom', endpoint: `${mock.baseUrl}/v1`, apiKey: 'sk-wrong-0000000' });
    const id = (created.body as Json).id as string;
    const rejected = await request('POST', `/v1/providers/${id}/models:discover`);
    expect(rejected.status).toBe(400);
    expect(errorOf(rejected.body)).toMatchObject({ code: 'validation_failed', message: expect.stringContaining('rejected its credential') });
    mock.configure({ fault: { kind: 'status', status: 503 }, faultCount: 1 });
    const good = ((await request('GET', '/v1/providers')).body as { data: Json[] }).data.find((p) => p.name === 'auto');
    const down = await request('POST', `/v1/providers/${good?.id as string}/models:discover`);
    expect(down.status).toBe(503);
    expect(errorOf(down.body).code).toBe('unavailable');
  });

  it('tests a model with the smallest real call', async () => {
    const provider = ((await request('GET', '/v1/providers')).body as { data: Json[] }).data.find((p) => p.name === 'auto');
    const model = await request('POST', `/v1/providers/${provider?.id as string}/models`, { name: 'small', upstreamModel: 'gpt-a' });
    const modelId = (model.body as Json).id as string;
    const result = await request('POST', `/v1/models/${modelId}/test`);
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ ok: true, latencyMs: expect.any(Number) });
    expect(mock.calls().at(-1)).toMatchObject({ endpoint: 'chat_completions', model: 'gpt-a', stream: false, body: expect.objectContaining({ max_completion_tokens: 1 }) });

    mock.configure({ fault: { kind: 'status', status: 401 }, faultCount: 1 });
    const failed = await request('POST', `/v1/models/${modelId}/test`);
    expect(failed.body).toMatchObject({ ok: false, error: { code: 'invalid_api_key', message: expect.stringContaining('Invalid API Key') } });
    expect((await request('POST', '/v1/models/mdl_00000000000000000000/test')).status).toBe(404);
  });
});
