import { randomBytes } from 'node:crypto';
import { generateRecipientKeyPair } from '@switchboard/sealing';
import { generateAccessKey } from './auth/access-key.js';
import type { GatewayHarness } from '../test/gateway.harness.js';

// Set before the harness (and the fakes' decorators, which read it) is imported.
const namespace = `t${randomBytes(5).toString('hex')}`;
process.env.SWITCHBOARD_NAMESPACE = namespace;

type Json = Record<string, unknown>;
const operatorKey = generateAccessKey();
const errorOf = (body: unknown) => (body as { error: { code: string; message: string } }).error;

describe('provider credentials, recipients and agent runs (gateway in-process, real NATS, fake services)', () => {
  let h: GatewayHarness;
  let admin: string;
  let member: string;

  const secretNamed = (name: string) => [...h.credentials.secrets.values()].find((s) => s.name === name);

  beforeAll(async () => {
    const { GatewayHarness } = await import('../test/gateway.harness.js');
    // No tap: a stopped fake then answers "no responders" at once instead of timing out.
    // 10.0.0.0/8 allowed: the self-hosted endpoint below passes the save-time egress check.
    h = await GatewayHarness.start({ namespace, operatorKey, tapBus: false, egressAllow: '10.0.0.0/8' });
    const tenant = await h.request('POST', '/v1/tenants', { key: operatorKey, body: { name: 'acme' } });
    admin = (tenant.body as Json).adminKey as string;
    const memberKey = await h.request('POST', '/v1/keys', { key: admin, body: { name: 'reader', role: 'member' } });
    member = (memberKey.body as Json).key as string;
  });

  afterAll(async () => {
    await h?.close();
  });

  describe('providers', () => {
    it('stores apiKey as a secret and registers the provider with its id', async () => {
      const res = await h.request('POST', '/v1/providers', { key: admin, body: { name: 'openai-main', type: 'openai', apiKey: 'sk-live-abcdef123456' } });
      expect(res.status).toBe(201);
      const secret = secretNamed('openai-main api key');
      expect(secret).toMatchObject({ kind: 'api_key', version: 1 });
      expect(h.credentials.values.get(secret?.id ?? '')).toBe('sk-live-abcdef123456');
      expect((res.body as Json).credential).toEqual({ secretId: secret?.id, hint: 'sk-…3456', version: 1 });
      expect(res.text).not.toContain('sk-live-abcdef123456');
      expect(h.state.providers.get((res.body as Json).id as string)?.credential?.secretId).toBe(secret?.id);
    });

    it('stores customHeaders as one secret of kind headers holding the JSON object', async () => {
      const customHeaders = { 'x-tenant-token': 'tok-123456789', 'x-region': 'eu' };
      const res = await h.request('POST', '/v1/providers', {
        key: admin,
        body: { name: 'vllm', type: 'custom', endpoint: 'http://10.0.0.5:8000/v1', authMethod: 'custom_headers', customHeaders },
      });
      expect(res.status).toBe(201);
      const secret = secretNamed('vllm headers');
      expect(secret?.kind).toBe('headers');
      expect(JSON.parse(h.credentials.values.get(secret?.id ?? '') ?? 'null')).toEqual(customHeaders);
      expect(res.text).not.toContain('tok-123456789');
      const revealed = await h.request('POST', `/v1/secrets/${secret?.id ?? ''}/reveal`, { key: admin });
      expect(revealed.body).toEqual({ value: customHeaders });
    });

    it('deletes the just-created secret when registration fails, and answers with the registration error', async () => {
      const before = h.credentials.secrets.size;
      const res = await h.request('POST', '/v1/providers', { key: admin, body: { name: 'openai-main', type: 'openai', apiKey: 'sk-dup-0000000000' } });
      expect(res.status).toBe(409);
      expect(errorOf(res.body).code).toBe('provider_name_taken');
      expect(h.credentials.secrets.size).toBe(before);
    });

    it('refuses a secretId that is not the tenant’s, or of the wrong kind', async () => {
      const unknown = await h.request('POST', '/v1/providers', { key: admin, body: { name: 'p1', type: 'openai', secretId: 'sec_00000000000000000000' } });
      expect(unknown.status).toBe(404);
      expect(errorOf(unknown.body).code).toBe('secret_not_found');
      const headers = secretNamed('vllm headers');
      const wrongKind = await h.request('POST', '/v1/providers', { key: admin, body: { name: 'p2', type: 'openai', secretId: headers?.id } });
      expect(wrongKind.status).toBe(400);
      expect(errorOf(wrongKind.body).message).toMatch(/^authMethod bearer needs an API key, but secretId \(secret sec_\w+\) is a header map/);
    });

    it('shows hint and version on reads, and still answers without them while credentials-service is away', async () => {
      const list = await h.request('GET', '/v1/providers', { key: member });
      const main = (list.body as { data: Json[] }).data.find((p) => p.name === 'openai-main');
      expect(main?.credential).toMatchObject({ hint: 'sk-…3456', version: 1 });

      await h.stopFakeCredentials();
      try {
        const one = await h.request('GET', `/v1/providers/${main?.id as string}`, { key: member });
        expect(one.status).toBe(200);
        expect((one.body as Json).credential).toEqual({ secretId: (main?.credential as Json).secretId, hint: null, version: null });
        const all = await h.request('GET', '/v1/providers', { key: member });
        expect(all.status).toBe(200);
        const refused = await h.request('POST', '/v1/providers', { key: admin, body: { name: 'later', type: 'openai', apiKey: 'sk-later-000000' } });
        expect(refused.status).toBe(503);
        expect(refused.headers['retry-after']).toBe('2');
        expect(h.state.providers.size).toBe(2);
      } finally {
        await h.startFakeCredentials();
      }
    });
  });

  describe('recipients', () => {
    it('registers an X25519 public key and lists it', async () => {
      const { publicKey } = generateRecipientKeyPair();
      const res = await h.request('POST', '/v1/recipients', { key: admin, body: { name: 'orchestrator', publicKey } });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ id: expect.stringMatching(/^rcp_/), name: 'orchestrator', publicKey });
      const list = await h.request('GET', '/v1/recipients', { key: member });
      expect(list.body).toEqual({ data: [expect.objectContaining({ id: (res.body as Json).id })], nextCursor: null });
      expect((await h.request('POST', '/v1/recipients', { key: member, body: { name: 'x', publicKey } })).status).toBe(403);
    });

    it.each([
      ['not base64 of 32 bytes', Buffer.alloc(31, 7).toString('base64'), /^publicKey: /],
      ['the all-zero point', Buffer.alloc(32).toString('base64'), /all zero/],
      ['a small-order point', Buffer.from('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', 'hex').toString('base64'), /small-order/],
    ])('refuses a public key that is %s', async (_case, publicKey, message) => {
      const res = await h.request('POST', '/v1/recipients', { key: admin, body: { name: 'bad', publicKey } });
      expect(res.status).toBe(400);
      expect(errorOf(res.body).message).toMatch(message);
    });
  });

  describe('agent runs', () => {
    let agentId: string;

    beforeAll(async () => {
      const providerId = [...h.state.providers.values()][0]?.id;
      const agent = await h.request('POST', '/v1/agents', { key: admin, body: { name: 'runner', providerId } });
      agentId = (agent.body as Json).id as string;
    });

    it('starts an agent for a recipient: 202 with the startId', async () => {
      const res = await h.request('POST', `/v1/agents/${agentId}/start`, { key: admin, body: { recipientId: 'rcp_00000000000000000000' } });
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ startId: expect.stringMatching(/^stt_/) });
      expect(h.state.starts).toContainEqual({ agentId, startId: (res.body as Json).startId, recipientId: 'rcp_00000000000000000000' });
    });

    it('refuses a start without a recipient, by a member, or of an unknown agent', async () => {
      const missing = await h.request('POST', `/v1/agents/${agentId}/start`, { key: admin, body: {} });
      expect(missing.status).toBe(400);
      expect(errorOf(missing.body).message).toBe('recipientId: is required');
      const body = { recipientId: 'rcp_1' };
      expect((await h.request('POST', `/v1/agents/${agentId}/start`, { key: member, body })).status).toBe(403);
      expect((await h.request('POST', '/v1/agents/agt_00000000000000000000/start', { key: admin, body })).status).toBe(404);
    });

    it('stops an agent: 202', async () => {
      const res = await h.request('POST', `/v1/agents/${agentId}/stop`, { key: admin });
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ revokedKeys: 1 });
      expect((await h.request('POST', `/v1/agents/${agentId}/stop`, { key: member })).status).toBe(403);
    });
  });
});
