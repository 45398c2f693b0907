import { ApiClient, Stack, deleteEventsStream, readStreamMessages } from '@switchboard/testing';

type Json = Record<string, unknown>;
interface ErrorBody {
  error: { code: string; message: string; dependents?: { agents: string[]; models: string[] } };
}

describe('bad input, unknown ids, stale versions, tenant isolation and roles', () => {
  let stack: Stack;
  let operator: ApiClient;
  let adminA: ApiClient;
  let memberA: ApiClient;
  let agentA: ApiClient;
  let adminB: ApiClient;
  let providerId: string;
  let modelId: string;
  let agentId: string;
  let keyId: string;

  beforeAll(async () => {
    stack = await Stack.start();
    operator = new ApiClient(stack.gatewayUrl, stack.operatorKey);
    const a = await operator.post<Json>('/v1/tenants', { name: 'tenant-a' });
    const b = await operator.post<Json>('/v1/tenants', { name: 'tenant-b' });
    adminA = new ApiClient(stack.gatewayUrl, a.body.adminKey as string);
    adminB = new ApiClient(stack.gatewayUrl, b.body.adminKey as string);
    providerId = (await adminA.post<Json>('/v1/providers', { name: 'p', type: 'openai' })).body.id as string;
    modelId = (await adminA.post<Json>(`/v1/providers/${providerId}/models`, { name: 'm' })).body.id as string;
    agentId = (await adminA.post<Json>('/v1/agents', { name: 'g', providerId })).body.id as string;
    const member = await adminA.post<Json>('/v1/keys', { name: 'reader', role: 'member' });
    keyId = member.body.id as string;
    memberA = new ApiClient(stack.gatewayUrl, member.body.key as string);
    const agentKey = await adminA.post<Json>('/v1/keys', { name: 'bot', role: 'agent', agentId });
    agentA = new ApiClient(stack.gatewayUrl, agentKey.body.key as string);
    for (const id of [providerId, modelId, agentId, keyId]) expect(id).toEqual(expect.any(String));
  });

  afterAll(async () => {
    await stack?.stop();
    if (stack) await deleteEventsStream(stack.names);
  });

  /** Everything a client can observe, plus the number of events on the bus. */
  async function snapshot(): Promise<string> {
    const reads = await Promise.all([
      adminA.get('/v1/providers'),
      adminA.get('/v1/agents'),
      adminA.get('/v1/keys'),
      adminA.get(`/v1/providers/${providerId}/models`),
      adminB.get('/v1/providers'),
    ]);
    const events = await readStreamMessages(stack.names);
    return JSON.stringify({ reads: reads.map((r) => r.body), events: events.length });
  }

  const bodyRoutes = (): [string, string, ApiClient][] => [
    ['POST', '/v1/tenants', operator],
    ['POST', '/v1/keys', adminA],
    ['POST', '/v1/providers', adminA],
    ['PATCH', `/v1/providers/${providerId}`, adminA],
    ['POST', `/v1/providers/${providerId}/models`, adminA],
    ['POST', '/v1/agents', adminA],
    ['PATCH', `/v1/agents/${agentId}`, adminA],
  ];

  const malformed = (): [string, { body?: unknown; rawBody?: string }][] => [
    ['invalid JSON', { rawBody: '{"name": ' }],
    ['an array', { body: [] }],
    ['an empty object', { body: {} }],
    ['wrong types', { body: { name: 42, type: true, role: 7, providerId: 5, upstreamModel: [], rateLimitRpm: 'fast' } }],
    ['an unknown field', { body: { name: 'x', type: 'openai', role: 'member', providerId, bogus: 1 } }],
    ['an empty name', { body: { name: '   ', type: 'openai', role: 'member', providerId } }],
  ];

  it('rejects every malformed body with 400 and a message, and changes nothing', async () => {
    const before = await snapshot();
    for (const [method, path, client] of bodyRoutes()) {
      for (const [label, body] of malformed()) {
        const res = await client.request<ErrorBody>(method, path, {
          ...body,
          headers: body.rawBody ? { 'content-type': 'application/json' } : undefined,
        });
        const context = `${method} ${path} with ${label}: ${res.status} ${res.text}`;
        expect([context, res.status]).toEqual([context, 400]);
        expect(res.body.error.code).toBe('validation_failed');
        expect(res.body.error.message.length).toBeGreaterThan(3);
      }
    }
    const negative = await adminA.patch<ErrorBody>(`/v1/providers/${providerId}`, { rateLimitRpm: -5 });
    expect(negative.status).toBe(400);
    expect(negative.body.error.message).toContain('rateLimitRpm');
    const forbiddenHeader = await adminA.post<ErrorBody>('/v1/providers', {
      name: 'h',
      type: 'custom',
      endpoint: 'https://llm.example.com/v1',
      authMethod: 'custom_headers',
      customHeaders: { 'Content-Length': '1' },
    });
    expect(forbiddenHeader.status).toBe(400);
    expect(await snapshot()).toBe(before);
  });

  it('answers 404 for unknown ids', async () => {
    const missing = 'prv_00000000000000000000';
    const cases: [string, string][] = [
      ['GET', `/v1/providers/${missing}`],
      ['PATCH', `/v1/providers/${missing}`],
      ['DELETE', `/v1/providers/${missing}`],
      ['GET', `/v1/providers/${missing}/history`],
      ['GET', `/v1/providers/${missing}/models`],
      ['POST', `/v1/providers/${missing}/models`],
      ['DELETE', '/v1/models/mdl_00000000000000000000'],
      ['GET', '/v1/agents/agt_00000000000000000000'],
      ['PATCH', '/v1/agents/agt_00000000000000000000'],
      ['DELETE', '/v1/agents/agt_00000000000000000000'],
      ['DELETE', '/v1/keys/key_00000000000000000000'],
    ];
    for (const [method, path] of cases) {
      const body = method === 'PATCH' ? { name: 'renamed' } : method === 'POST' ? { name: 'x' } : undefined;
      const res = await adminA.request<ErrorBody>(method, path, { body });
      expect([method, path, res.status]).toEqual([method, path, 404]);
      expect(res.body.error.code).toMatch(/not_found$/);
    }
    const agentOnMissingProvider = await adminA.post<ErrorBody>('/v1/agents', { name: 'x', providerId: missing });
    expect(agentOnMissingProvider.status).toBe(404);
  });

  it('answers 412 to a stale If-Match and applies a fresh one', async () => {
    const current = await adminA.get(`/v1/providers/${providerId}`);
    const etag = current.headers.get('etag') as string;
    const updated = await adminA.patch<Json>(`/v1/providers/${providerId}`, { rateLimitRpm: 10 }, { headers: { 'if-match': etag } });
    expect(updated.status).toBe(200);
    const stale = await adminA.patch<ErrorBody>(`/v1/providers/${providerId}`, { rateLimitRpm: 20 }, { headers: { 'if-match': etag } });
    expect(stale.status).toBe(412);
    expect(stale.body.error.code).toBe('version_conflict');
    const staleDelete = await adminA.delete<ErrorBody>(`/v1/providers/${providerId}`, { headers: { 'if-match': etag } });
    expect(staleDelete.status).toBe(412);
    const agentEtag = (await adminA.get(`/v1/agents/${agentId}`)).headers.get('etag') as string;
    expect((await adminA.patch(`/v1/agents/${agentId}`, { name: 'g2' }, { headers: { 'if-match': agentEtag } })).status).toBe(200);
    expect((await adminA.patch(`/v1/agents/${agentId}`, { name: 'g3' }, { headers: { 'if-match': agentEtag } })).status).toBe(412);
    expect((await adminA.get<Json>(`/v1/agents/${agentId}`)).body.name).toBe('g2');
  });

  it("hides another tenant's resources behind 404", async () => {
    const cases: [string, string, unknown?][] = [
      ['GET', `/v1/providers/${providerId}`],
      ['PATCH', `/v1/providers/${providerId}`, { name: 'stolen' }],
      ['DELETE', `/v1/providers/${providerId}`],
      ['GET', `/v1/providers/${providerId}/history`],
      ['GET', `/v1/providers/${providerId}/models`],
      ['POST', `/v1/providers/${providerId}/models`, { name: 'x' }],
      ['DELETE', `/v1/models/${modelId}`],
      ['GET', `/v1/agents/${agentId}`],
      ['PATCH', `/v1/agents/${agentId}`, { name: 'stolen' }],
      ['DELETE', `/v1/agents/${agentId}`],
      ['DELETE', `/v1/keys/${keyId}`],
      ['POST', '/v1/agents', { name: 'x', providerId }],
    ];
    for (const [method, path, body] of cases) {
      const res = await adminB.request(method, path, { body });
      expect([method, path, res.status]).toEqual([method, path, 404]);
    }
    expect((await adminA.get<Json>(`/v1/providers/${providerId}`)).body.name).toBe('p');
  });

  it('refuses wrong roles with 403 and missing or bad keys with 401', async () => {
    const forbidden: [ApiClient, string, string, unknown?][] = [
      [memberA, 'POST', '/v1/providers', { name: 'm', type: 'openai' }],
      [memberA, 'PATCH', `/v1/providers/${providerId}`, { name: 'm' }],
      [memberA, 'DELETE', `/v1/agents/${agentId}`],
      [memberA, 'POST', '/v1/keys', { name: 'k', role: 'admin' }],
      [agentA, 'GET', '/v1/providers'],
      [agentA, 'GET', `/v1/agents/${agentId}`],
      [operator, 'GET', '/v1/providers'],
      [adminA, 'POST', '/v1/tenants', { name: 'nope' }],
    ];
    for (const [client, method, path, body] of forbidden) {
      const res = await client.request<ErrorBody>(method, path, { body });
      expect([method, path, res.status]).toEqual([method, path, 403]);
      expect(res.body.error.code).toBe('forbidden');
    }
    const anonymous = new ApiClient(stack.gatewayUrl);
    expect((await anonymous.get('/v1/providers')).status).toBe(401);
    expect((await anonymous.get('/v1/providers', { key: 'sbk_not-a-real-key' })).status).toBe(401);
    expect((await anonymous.get('/v1/providers', { headers: { authorization: 'Basic abc' } })).status).toBe(401);
  });

  it('refuses to delete a provider that agents use, naming them, and allows it once they are gone', async () => {
    const inUse = await adminA.delete<ErrorBody>(`/v1/providers/${providerId}`);
    expect(inUse.status).toBe(409);
    expect(inUse.body.error.code).toBe('provider_in_use');
    expect(inUse.body.error.dependents?.agents).toEqual([agentId]);
    expect((await adminA.delete(`/v1/agents/${agentId}`)).status).toBe(204);
    expect((await adminA.delete(`/v1/providers/${providerId}`)).status).toBe(204);
    expect((await adminA.get(`/v1/providers/${providerId}`)).status).toBe(404);
  });

  it('revokes a key at once', async () => {
    expect((await memberA.get('/v1/providers')).status).toBe(200);
    expect((await adminA.delete(`/v1/keys/${keyId}`)).status).toBe(204);
    expect((await memberA.get('/v1/providers')).status).toBe(401);
  });
});
