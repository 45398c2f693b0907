import { generateKeyPairSync } from 'node:crypto';
import { ApiClient, Stack, deleteEventsStream } from '@switchboard/testing';

type Json = Record<string, unknown>;
type Page = { data: Json[]; nextCursor: string | null };

const x25519PublicKey = (): string => {
  const der = generateKeyPairSync('x25519').publicKey.export({ format: 'der', type: 'spki' });
  return der.subarray(der.length - 32).toString('base64');
};

/** Quotas (deployment-wide from the environment, per tenant from the operator) and list pages, over HTTP on the real stack. */
describe('quotas and list pages on the real stack', () => {
  let stack: Stack;
  let operator: ApiClient;

  beforeAll(async () => {
    stack = await Stack.start({ env: { SWITCHBOARD_QUOTA_RECIPIENTS: '2', SWITCHBOARD_QUOTA_AGENTS: '4' } });
    operator = new ApiClient(stack.gatewayUrl, stack.operatorKey);
  });

  afterAll(async () => {
    await stack?.stop();
    if (stack) await deleteEventsStream(stack.names);
  });

  async function newTenant(name: string): Promise<{ id: string; admin: ApiClient }> {
    const tenant = await operator.post<Json>('/v1/tenants', { name });
    expect(tenant.status).toBe(201);
    return { id: tenant.body.id as string, admin: new ApiClient(stack.gatewayUrl, tenant.body.adminKey as string) };
  }

  it('holds a tenant to the deployment’s limits and answers 409 quota_exceeded naming the kind and the limit', async () => {
    const { admin } = await newTenant('env-limits');
    for (let i = 0; i < 2; i++) expect((await admin.post('/v1/recipients', { name: `o${i}`, publicKey: x25519PublicKey() })).status).toBe(201);
    const refused = await admin.post('/v1/recipients', { name: 'o3', publicKey: x25519PublicKey() });
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({
      error: { code: 'quota_exceeded', message: 'the tenant has reached its quota of 2 recipients; delete some or ask the operator to raise it' },
    });
    expect((await admin.get<Page>('/v1/recipients')).body.data).toHaveLength(2);
  });

  it('lets the operator read and set a tenant’s quotas, and nobody else', async () => {
    const { id, admin } = await newTenant('operator-limits');
    const read = await operator.get<Json>(`/v1/tenants/${id}/quotas`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual({
      providers: { limit: 100, source: 'default', used: 0 },
      models: { limit: 2000, source: 'default', used: 0 },
      agents: { limit: 4, source: 'default', used: 0 },
      keys: { limit: 1000, source: 'default', used: 1 },
      secrets: { limit: 500, source: 'default', used: 0 },
      recipients: { limit: 2, source: 'default', used: 0 },
      webhooks: { limit: 20, source: 'default', used: 0 },
    });
    const set = await operator.put<Json>(`/v1/tenants/${id}/quotas`, { providers: 1, recipients: 5, secrets: null });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ providers: { limit: 1, source: 'tenant' }, recipients: { limit: 5, source: 'tenant' }, secrets: { source: 'default' } });

    expect((await admin.get(`/v1/tenants/${id}/quotas`)).status).toBe(403);
    expect((await admin.put(`/v1/tenants/${id}/quotas`, { providers: 1000 })).status).toBe(403);
    expect((await operator.get('/v1/tenants/ten_00000000000000000000/quotas')).status).toBe(404);
    expect((await operator.put(`/v1/tenants/${id}/quotas`, { providers: -1 })).body).toEqual({
      error: { code: 'validation_failed', message: 'providers: must not be negative' },
    });
    expect((await operator.put(`/v1/tenants/${id}/quotas`, {})).status).toBe(400);
  });

  it('refuses a provider past its quota and leaves no secret behind for the key it came with', async () => {
    const { id, admin } = await newTenant('provider-limit');
    await operator.put(`/v1/tenants/${id}/quotas`, { providers: 1 });
    expect((await admin.post('/v1/providers', { name: 'first', type: 'openai', apiKey: 'sk-first-0123456789' })).status).toBe(201);
    const refused = await admin.post('/v1/providers', { name: 'second', type: 'openai', apiKey: 'sk-second-0123456789' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: { code: 'quota_exceeded', message: expect.stringContaining('quota of 1 providers') } });
    expect((await admin.get<Page>('/v1/providers')).body.data.map((p) => p.name)).toEqual(['first']);
    expect((await admin.get<Page>('/v1/secrets')).body.data).toHaveLength(1);
  });

  it('lets exactly one of six concurrent creates over HTTP take the last place', async () => {
    const { admin } = await newTenant('race');
    const provider = await admin.post<Json>('/v1/providers', { name: 'p', type: 'openai' });
    for (let i = 0; i < 3; i++) expect((await admin.post('/v1/agents', { name: `a${i}`, providerId: provider.body.id })).status).toBe(201);
    const raced = await Promise.all(Array.from({ length: 6 }, (_, i) => admin.post('/v1/agents', { name: `race${i}`, providerId: provider.body.id })));
    expect(raced.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    expect((await admin.get<Page>('/v1/agents')).body.data).toHaveLength(4);
  });

  it('walks a list page by page with nextCursor, each item once while more are added, and refuses a bad cursor with 400', async () => {
    const { admin } = await newTenant('pages');
    for (let i = 0; i < 5; i++) expect((await admin.post('/v1/keys', { name: `k${i}`, role: 'member' })).status).toBe(201);
    const before = (await admin.get<Page>('/v1/keys')).body;
    expect(before).toEqual({ data: expect.any(Array), nextCursor: null });
    expect(before.data).toHaveLength(6);

    const seen: string[] = [];
    let path = '/v1/keys?limit=2';
    for (let i = 0; i < 20; i++) {
      const page = await admin.get<Page>(path);
      expect(page.status).toBe(200);
      seen.push(...page.body.data.map((k) => k.id as string));
      if (page.body.nextCursor === null) break;
      path = `/v1/keys?limit=2&cursor=${page.body.nextCursor}`;
      expect((await admin.post('/v1/keys', { name: `added${i}`, role: 'member' })).status).toBe(201);
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.slice(0, 6)).toEqual(before.data.map((k) => k.id));

    const agentsCursor = Buffer.from(JSON.stringify(['agents', '2025-01-01T00:00:00.000000Z', 'agt_00000000000000000000'])).toString('base64url');
    for (const cursor of ['AAAA', agentsCursor]) {
      const bad = await admin.get(`/v1/keys?cursor=${cursor}`);
      expect([cursor, bad.status, bad.body]).toEqual([
        cursor,
        400,
        { error: { code: 'validation_failed', message: 'cursor: is not a cursor of this list (pass on the nextCursor a page of this list answered)' } },
      ]);
    }
    expect((await admin.get('/v1/keys?limit=1001')).status).toBe(400);
  });
});
