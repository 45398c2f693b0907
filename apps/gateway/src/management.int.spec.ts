import { randomBytes } from 'node:crypto';
import { generateAccessKey } from './auth/access-key.js';
import type { GatewayHarness } from '../test/gateway.harness.js';

// Set before the harness (and the fake's decorators, which read it) is imported.
const namespace = `t${randomBytes(5).toString('hex')}`;
process.env.SWITCHBOARD_NAMESPACE = namespace;

type Json = Record<string, unknown>;
const operatorKey = generateAccessKey();
const errorOf = (body: unknown) => (body as { error: { code: string; message: string; dependents?: unknown } }).error;

describe('management routes (gateway in-process, real NATS, fake providers-service)', () => {
  let h: GatewayHarness;
  let admin: string;
  let member: string;
  let providerId: string;

  /** Sends a request and asserts nothing went onto the bus because of it. */
  async function offBus(method: string, url: string, options: Parameters<GatewayHarness['request']>[2]) {
    await h.flushTap();
    const before = h.busSubjects.length;
    const res = await h.request(method, url, options);
    await h.flushTap();
    expect(h.busSubjects.slice(before)).toEqual([]);
    return res;
  }

  beforeAll(async () => {
    const { GatewayHarness } = await import('../test/gateway.harness.js');
    h = await GatewayHarness.start({ namespace, operatorKey });
    const tenant = await h.request('POST', '/v1/tenants', { key: operatorKey, body: { name: 'acme' } });
    expect(tenant.status).toBe(201);
    expect(tenant.body).toEqual({ id: expect.stringMatching(/^ten_/), name: 'acme', adminKey: expect.stringMatching(/^sbk_/) });
    admin = (tenant.body as Json).adminKey as string;
    const memberKey = await h.request('POST', '/v1/keys', { key: admin, body: { name: 'reader', role: 'member' } });
    expect(memberKey.status).toBe(201);
    member = (memberKey.body as Json).key as string;
    const provider = await h.request('POST', '/v1/providers', { key: admin, body: { name: 'openai-main', type: 'openai' } });
    expect(provider.status).toBe(201);
    providerId = (provider.body as Json).id as string;
  });

  afterAll(async () => {
    await h?.close();
  });

  describe('authentication and roles', () => {
    it.each([
      ['no Authorization header', {}],
      ['another scheme', { headers: { authorization: 'Basic YTpi' } }],
      ['a key of the wrong shape', { key: 'not-a-key' }],
    ])('answers 401 to %s without asking the bus', async (_case, options) => {
      const res = await offBus('GET', '/v1/providers', options);
      expect(res.status).toBe(401);
      expect(errorOf(res.body).code).toBe('unauthorized');
    });

    it('answers 401 to an unknown key', async () => {
      const res = await h.request('GET', '/v1/providers', { key: generateAccessKey() });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    });

    it('lets the operator key create tenants and nothing else', async () => {
      expect((await h.request('GET', '/v1/providers', { key: operatorKey })).status).toBe(403);
      expect((await h.request('POST', '/v1/keys', { key: operatorKey, body: { name: 'k', role: 'admin' } })).status).toBe(403);
    });

    it('keeps tenant keys away from POST /v1/tenants', async () => {
      const res = await h.request('POST', '/v1/tenants', { key: admin, body: { name: 'other' } });
      expect(res.status).toBe(403);
      expect(errorOf(res.body).code).toBe('forbidden');
    });

    it('lets a member read but not write', async () => {
      expect((await h.request('GET', `/v1/providers/${providerId}`, { key: member })).status).toBe(200);
      expect((await h.request('GET', '/v1/keys', { key: member })).status).toBe(200);
      expect((await h.request('POST', '/v1/agents', { key: member, body: { name: 'a', providerId } })).status).toBe(403);
      expect((await h.request('DELETE', `/v1/providers/${providerId}`, { key: member })).status).toBe(403);
    });

    it('keeps agent keys off the management routes', async () => {
      const agent = await h.request('POST', '/v1/agents', { key: admin, body: { name: 'bot', providerId } });
      const agentId = (agent.body as Json).id as string;
      const key = await h.request('POST', '/v1/keys', { key: admin, body: { name: 'bot key', role: 'agent', agentId } });
      expect(key.status).toBe(201);
      expect(key.body).toMatchObject({ role: 'agent', agentId, key: expect.stringMatching(/^sbk_/) });
      const agentKey = (key.body as Json).key as string;
      expect((await h.request('GET', `/v1/agents/${agentId}`, { key: agentKey })).status).toBe(403);
      expect((await h.request('GET', '/v1/providers', { key: agentKey })).status).toBe(403);
      expect((await h.request('DELETE', `/v1/agents/${agentId}`, { key: admin })).status).toBe(204);
    });

    it('hides another tenant’s resources behind 404', async () => {
      const other = await h.request('POST', '/v1/tenants', { key: operatorKey, body: { name: 'globex' } });
      const otherAdmin = (other.body as Json).adminKey as string;
      const res = await h.request('GET', `/v1/providers/${providerId}`, { key: otherAdmin });
      expect(res.status).toBe(404);
      expect(errorOf(res.body).code).toBe('provider_not_found');
    });

    it('stops accepting a key as soon as it is revoked here', async () => {
      const created = await h.request('POST', '/v1/keys', { key: admin, body: { name: 'temp', role: 'member' } });
      const { id, key } = created.body as { id: string; key: string };
      expect((await h.request('GET', '/v1/keys', { key })).status).toBe(200);
      expect((await h.request('DELETE', `/v1/keys/${id}`, { key: admin })).status).toBe(204);
      expect((await h.request('GET', '/v1/keys', { key })).status).toBe(401);
    });
  });

  describe('validation at the boundary', () => {
    it('sees ordinary requests on the bus tap, and resolves a key once', async () => {
      await h.request('GET', '/v1/providers', { key: admin });
      await h.flushTap();
      const before = h.busSubjects.length;
      await h.request('GET', '/v1/providers', { key: admin });
      await h.flushTap();
      expect(h.busSubjects.slice(before)).toEqual([h.names.command('providers.v1.provider.list')]);
    });

    const agentBody = () => ({ name: 'x', providerId });
    it.each<[string, string, () => unknown, string]>([
      ['POST', '/v1/tenants', () => ({ name: '' }), 'name: must not be empty'],
      ['POST', '/v1/keys', () => ({ name: 'k', role: 'root' }), 'role: must be one of "admin", "member", "agent"'],
      ['POST', '/v1/providers', () => ({ name: 'p', type: 'custom' }), 'endpoint: is required for type custom'],
      ['PATCH', '/v1/providers/:provider', () => ({}), 'body: must change at least one field'],
      ['POST', '/v1/providers/:provider/models', () => ({ name: 'm', inputUsdPerMTok: -1 }), 'inputUsdPerMTok: must not be negative'],
      ['POST', '/v1/agents', () => ({ ...agentBody(), delivery: 'mail' }), 'delivery: must be one of "proxy", "direct"'],
      ['PATCH', '/v1/agents/agt_00000000000000000000', () => ({ color: 'red' }), 'color: is not a known field'],
      ['POST', '/v1/agents', () => ({ ...agentBody(), monthlyBudgetUsd: -1 }), 'monthlyBudgetUsd: must not be negative'],
      ['PATCH', '/v1/agents/agt_00000000000000000000', () => ({ monthlyBudgetUsd: -0.5 }), 'monthlyBudgetUsd: must not be negative'],
    ])('%s %s → 400 naming the field, nothing sent', async (method, path, body, message) => {
      const key = path === '/v1/tenants' ? operatorKey : admin;
      const res = await offBus(method, path.replace(':provider', providerId), { key, body: body() });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: { code: 'validation_failed', message } });
    });

    it('answers 400 to malformed JSON and 415 to other content types', async () => {
      const bad = await offBus('POST', '/v1/agents', { key: admin, rawBody: '{"name":', headers: { 'content-type': 'application/json' } });
      expect(bad.status).toBe(400);
      expect(errorOf(bad.body).code).toBe('validation_failed');
      const text = await offBus('POST', '/v1/agents', { key: admin, rawBody: 'name=x', headers: { 'content-type': 'text/plain' } });
      expect(text.status).toBe(415);
      const form = await offBus('POST', '/v1/agents', {
        key: admin,
        rawBody: 'name=x',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(form.status).toBe(415);
      expect(errorOf(form.body).code).toBe('unsupported_media_type');
    });

    it('refuses bodies over 1 MiB with 413', async () => {
      const res = await offBus('POST', '/v1/agents', { key: admin, body: { name: 'x'.repeat(1024 * 1024), providerId } });
      expect(res.status).toBe(413);
      expect(errorOf(res.body).code).toBe('payload_too_large');
    });

    const LISTS = ['/v1/keys', '/v1/providers', '/v1/providers/:provider/models', '/v1/providers/:provider/history', '/v1/agents', '/v1/secrets', '/v1/recipients'];
    it.each(LISTS.flatMap((path) => [
      [path, 'limit=0', 'limit: must be a whole number from 1 to 1000'],
      [path, 'limit=1001', 'limit: must be at most 1000'],
      [path, 'limit=2.5', 'limit: must be a whole number from 1 to 1000'],
      [path, 'cursor=not%20a%20cursor', 'cursor: is not a cursor this API gave out'],
      [path, `cursor=${'A'.repeat(513)}`, 'cursor: is not a cursor this API gave out'],
      [path, 'limit=1&limit=2', 'limit: must be a string'],
      [path, 'page=2', 'page: is not a known field'],
    ]))('GET %s?%s → 400, nothing sent', async (path, query, message) => {
      const res = await offBus('GET', `${path.replace(':provider', providerId)}?${query}`, { key: member });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: { code: 'validation_failed', message } });
    });

    it.each(LISTS)('GET %s answers {data, nextCursor}, with a limit or without', async (path) => {
      const url = path.replace(':provider', providerId);
      const page = await h.request('GET', `${url}?limit=5`, { key: member });
      expect(page.status).toBe(200);
      expect(page.body).toEqual({ data: expect.any(Array), nextCursor: null });
      expect((await h.request('GET', url, { key: member })).body).toEqual({ data: expect.any(Array), nextCursor: null });
    });

    it('treats a malformed path id like an unknown one', async () => {
      const res = await offBus('GET', '/v1/providers/not-an-id', { key: admin });
      expect(res.status).toBe(404);
      expect(errorOf(res.body).code).toBe('provider_not_found');
      expect((await offBus('DELETE', '/v1/models/prv_00000000000000000000', { key: admin })).status).toBe(404);
    });

    it('answers unknown routes with 404 not_found', async () => {
      const res = await h.request('GET', '/v1/nothing-here', { key: admin });
      expect(res.status).toBe(404);
      expect(errorOf(res.body).code).toBe('not_found');
    });
  });

  describe('routes and optimistic concurrency', () => {
    it('passes an existing secretId through to providers-service', async () => {
      const secret = await h.request('POST', '/v1/secrets', { key: admin, body: { name: 'shared key', value: 'sk-test-shared-0001' } });
      const secretId = (secret.body as Json).id as string;
      const res = await h.request('POST', '/v1/providers', { key: admin, body: { name: 'by-secret', type: 'openai', secretId } });
      expect(res.status).toBe(201);
      expect((res.body as Json).credential).toEqual({ secretId, hint: 'sk-…0001', version: 1 });
    });

    it('serves ETag and maps a stale If-Match to 412', async () => {
      const created = await h.request('POST', '/v1/providers', { key: admin, body: { name: 'versioned', type: 'anthropic' } });
      expect(created.headers.etag).toBe('"1"');
      const id = (created.body as Json).id as string;
      expect((await h.request('GET', `/v1/providers/${id}`, { key: admin })).headers.etag).toBe('"1"');
      const patched = await h.request('PATCH', `/v1/providers/${id}`, {
        key: admin,
        body: { rateLimitRpm: 60 },
        headers: { 'if-match': '"1"' },
      });
      expect(patched.status).toBe(200);
      expect(patched.headers.etag).toBe('"2"');
      expect(patched.body).toMatchObject({ rateLimitRpm: 60, version: 2 });
      const stale = await h.request('PATCH', `/v1/providers/${id}`, {
        key: admin,
        body: { rateLimitRpm: 1 },
        headers: { 'if-match': 'W/"1"' },
      });
      expect(stale.status).toBe(412);
      expect(errorOf(stale.body).code).toBe('version_conflict');
      const malformed = await offBus('DELETE', `/v1/providers/${id}`, { key: admin, headers: { 'if-match': 'two' } });
      expect(malformed.status).toBe(400);
      expect((await h.request('DELETE', `/v1/providers/${id}`, { key: admin, headers: { 'if-match': '"1"' } })).status).toBe(412);
      expect((await h.request('DELETE', `/v1/providers/${id}`, { key: admin, headers: { 'if-match': '"2"' } })).status).toBe(204);
    });

    it('sets, changes and removes an agent’s monthly budget; a negative one is refused and changes nothing', async () => {
      const plain = await h.request('POST', '/v1/agents', { key: admin, body: { name: 'unbudgeted', providerId } });
      expect(plain.status).toBe(201);
      expect(plain.body).toMatchObject({ monthlyBudgetUsd: null });
      const created = await h.request('POST', '/v1/agents', { key: admin, body: { name: 'budgeted', providerId, monthlyBudgetUsd: 30.5 } });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ name: 'budgeted', monthlyBudgetUsd: 30.5, version: 1 });
      const id = (created.body as Json).id as string;
      expect((await h.request('GET', `/v1/agents/${id}`, { key: member })).body).toMatchObject({ monthlyBudgetUsd: 30.5 });

      const zero = await h.request('PATCH', `/v1/agents/${id}`, { key: admin, body: { monthlyBudgetUsd: 0 }, headers: { 'if-match': '"1"' } });
      expect(zero.status).toBe(200);
      expect(zero.body).toMatchObject({ monthlyBudgetUsd: 0, version: 2 });
      const refused = await offBus('PATCH', `/v1/agents/${id}`, { key: admin, body: { monthlyBudgetUsd: -3 } });
      expect(refused.status).toBe(400);
      expect(errorOf(refused.body)).toEqual({ code: 'validation_failed', message: 'monthlyBudgetUsd: must not be negative' });
      const notANumber = await offBus('PATCH', `/v1/agents/${id}`, { key: admin, body: { monthlyBudgetUsd: '10' } });
      expect(notANumber.status).toBe(400);
      expect((await h.request('GET', `/v1/agents/${id}`, { key: admin })).body).toMatchObject({ monthlyBudgetUsd: 0, version: 2 });

      const removed = await h.request('PATCH', `/v1/agents/${id}`, { key: admin, body: { monthlyBudgetUsd: null } });
      expect(removed.status).toBe(200);
      expect(removed.body).toMatchObject({ monthlyBudgetUsd: null, version: 3 });
      const listed = await h.request('GET', '/v1/agents', { key: member });
      expect((listed.body as { data: Json[] }).data.find((a) => a.id === id)).toMatchObject({ monthlyBudgetUsd: null });
      for (const agent of [id, (plain.body as Json).id as string]) {
        expect((await h.request('DELETE', `/v1/agents/${agent}`, { key: admin })).status).toBe(204);
      }
    });

    it('lists as {data}, adds and removes models, and reports dependents on 409', async () => {
      const model = await h.request('POST', `/v1/providers/${providerId}/models`, { key: admin, body: { name: 'fast' } });
      expect(model.status).toBe(201);
      const models = await h.request('GET', `/v1/providers/${providerId}/models`, { key: member });
      expect(models.body).toEqual({ data: [expect.objectContaining({ name: 'fast', source: 'manual' })], nextCursor: null });
      const agent = await h.request('POST', '/v1/agents', { key: admin, body: { name: 'user', providerId, model: 'fast' } });
      const agentId = (agent.body as Json).id as string;
      expect(agent.headers.etag).toBe('"1"');
      const inUse = await h.request('DELETE', `/v1/providers/${providerId}`, { key: admin });
      expect(inUse.status).toBe(409);
      expect(inUse.body).toEqual({
        error: {
          code: 'provider_in_use',
          message: expect.any(String),
          dependents: { agents: [agentId], models: [(model.body as Json).id] },
        },
      });
      const history = await h.request('GET', `/v1/providers/${providerId}/history`, { key: member });
      expect(history.body).toEqual({ data: [expect.objectContaining({ type: 'provider.registered' })], nextCursor: null });
      const updated = await h.request('PATCH', `/v1/agents/${agentId}`, { key: admin, body: { model: null } });
      expect(updated.headers.etag).toBe('"2"');
      const agents = await h.request('GET', '/v1/agents', { key: member });
      expect(agents.body).toMatchObject({ data: [expect.objectContaining({ id: agentId })] });
      expect((await h.request('DELETE', `/v1/models/${(model.body as Json).id as string}`, { key: admin })).status).toBe(204);
    });
  });
});
