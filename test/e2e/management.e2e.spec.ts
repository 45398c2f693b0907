import { ApiClient, OtlpCollector, Stack, readStreamMessages, deleteEventsStream, eventually } from '@switchboard/testing';

type Json = Record<string, unknown>;

describe('management API on the real stack', () => {
  let collector: OtlpCollector;
  let stack: Stack;
  let operator: ApiClient;

  beforeAll(async () => {
    collector = await new OtlpCollector().start();
    stack = await Stack.start({ otlpEndpoint: collector.endpoint });
    operator = new ApiClient(stack.gatewayUrl, stack.operatorKey);
  });

  afterAll(async () => {
    await stack?.stop();
    if (stack) await deleteEventsStream(stack.names);
    await collector?.stop();
  });

  it('creates a tenant, keys, a provider, a model and an agent, reads them back and publishes their events', async () => {
    const tenant = await operator.post<Json>('/v1/tenants', { name: 'acme' });
    expect(tenant.status).toBe(201);
    expect(tenant.body).toEqual({ id: expect.any(String), name: 'acme', adminKey: expect.stringMatching(/^sbk_/) });
    const tenantId = tenant.body.id as string;
    const admin = new ApiClient(stack.gatewayUrl, tenant.body.adminKey as string);

    const memberKey = await admin.post<Json>('/v1/keys', { name: 'ci reader', role: 'member' });
    expect(memberKey.status).toBe(201);
    expect(memberKey.body).toMatchObject({ name: 'ci reader', role: 'member', key: expect.stringMatching(/^sbk_/) });
    const keys = await admin.get<{ data: Json[] }>('/v1/keys');
    expect(keys.status).toBe(200);
    expect(keys.body.data.map((k) => k.role).sort()).toEqual(['admin', 'member']);
    expect(keys.text).not.toContain(memberKey.body.key as string);

    const provider = await admin.post<Json>('/v1/providers', {
      name: 'openai-main',
      type: 'openai',
      organizationId: 'org-123',
      defaultModel: 'gpt-4o-mini',
      rateLimitRpm: 600,
      monthlyBudgetUsd: 250,
    });
    expect(provider.status).toBe(201);
    expect(provider.body).toMatchObject({
      name: 'openai-main',
      type: 'openai',
      endpoint: 'https://api.openai.com/v1',
      protocol: 'openai',
      authMethod: 'bearer',
      organizationId: 'org-123',
      defaultModel: 'gpt-4o-mini',
      rateLimitRpm: 600,
      monthlyBudgetUsd: 250,
      // The default model named at registration is one of its models from the start.
      modelCount: 1,
      version: 1,
    });
    const providerId = provider.body.id as string;

    const anthropic = await admin.post<Json>('/v1/providers', { name: 'claude', type: 'anthropic' });
    expect(anthropic.body).toMatchObject({
      endpoint: 'https://api.anthropic.com/v1',
      protocol: 'anthropic_messages',
      authMethod: 'x_api_key',
      rateLimitRpm: null,
      monthlyBudgetUsd: null,
    });

    const model = await admin.post<Json>(`/v1/providers/${providerId}/models`, {
      name: 'fast',
      upstreamModel: 'gpt-4o-mini',
      inputUsdPerMTok: 0.15,
      outputUsdPerMTok: 0.6,
    });
    expect(model.status).toBe(201);
    expect(model.body).toMatchObject({ name: 'fast', upstreamModel: 'gpt-4o-mini', source: 'manual' });

    const agent = await admin.post<Json>('/v1/agents', { name: 'support-bot', providerId, model: 'fast' });
    expect(agent.status).toBe(201);
    expect(agent.body).toMatchObject({ name: 'support-bot', providerId, model: 'fast', delivery: 'proxy' });
    const agentId = agent.body.id as string;

    const readProvider = await admin.get<Json>(`/v1/providers/${providerId}`);
    expect(readProvider.status).toBe(200);
    expect(readProvider.headers.get('etag')).toBe('"1"');
    expect(readProvider.body).toMatchObject({ id: providerId, name: 'openai-main', modelCount: 2 });
    const providers = await admin.get<{ data: Json[] }>('/v1/providers');
    expect(providers.body.data.map((p) => p.name).sort()).toEqual(['claude', 'openai-main']);
    const models = await admin.get<{ data: Json[] }>(`/v1/providers/${providerId}/models`);
    expect(models.body.data).toEqual([
      expect.objectContaining({ name: 'gpt-4o-mini', upstreamModel: 'gpt-4o-mini', source: 'manual' }),
      expect.objectContaining({ id: model.body.id, name: 'fast', source: 'manual' }),
    ]);
    const readAgent = await admin.get<Json>(`/v1/agents/${agentId}`);
    expect(readAgent.body).toMatchObject({ id: agentId, providerId, model: 'fast' });

    const member = new ApiClient(stack.gatewayUrl, memberKey.body.key as string);
    expect((await member.get(`/v1/providers/${providerId}`)).status).toBe(200);

    const events = await eventually(
      () => readStreamMessages(stack.names, stack.names.event(tenantId, '>')),
      (msgs) => msgs.length >= 6,
    );
    const subjects = events.map((e) => e.subject);
    for (const type of ['tenant.created', 'key.created', 'provider.registered', 'model.added', 'agent.created']) {
      expect(subjects).toContain(stack.names.event(tenantId, type));
    }
    const registered = events.find((e) => e.subject === stack.names.event(tenantId, 'provider.registered'));
    expect(registered?.data).toMatchObject({ type: 'provider.registered', tenantId, providerId, providerType: 'openai', name: 'openai-main' });
    expect(registered?.data.eventId).toEqual(expect.any(String));
    expect(registered?.data.at).toEqual(expect.any(String));
    expect(registered?.msgId).toBe(registered?.data.eventId);
  });

  it('traces one request from the gateway over NATS into providers-service and PostgreSQL', async () => {
    const tenant = await operator.post<Json>('/v1/tenants', { name: 'traced' });
    const admin = new ApiClient(stack.gatewayUrl, tenant.body.adminKey as string);
    const created = await admin.post<Json>('/v1/providers', { name: 'traced-provider', type: 'openai' });
    expect(created.status).toBe(201);

    const isRoot = (s: { serviceName: string; name: string; kind: number }) =>
      s.serviceName === 'gateway' && s.kind === 2 && s.name.includes('POST') && s.name.includes('/v1/providers');
    const spans = await collector.waitFor((all) => {
      const root = all.find(isRoot);
      if (!root) return false;
      const trace = all.filter((s) => s.traceId === root.traceId);
      return trace.some((s) => s.serviceName === 'providers-service' && s.attributes['db.system'] === 'postgresql');
    });
    const root = spans.find(isRoot);
    const trace = spans.filter((s) => s.traceId === root?.traceId);
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const dbSpan = trace.find((s) => s.serviceName === 'providers-service' && s.attributes['db.system'] === 'postgresql');
    // Walk parents from the Postgres span up to the gateway's HTTP span: one unbroken chain.
    const chain: string[] = [];
    for (let s = dbSpan; s; s = s.parentSpanId ? byId.get(s.parentSpanId) : undefined) chain.push(`${s.serviceName}:${s.kind}`);
    expect(chain[chain.length - 1]).toBe('gateway:2');
    expect(chain).toContain('gateway:3'); // CLIENT span around the NATS request
    expect(chain).toContain('providers-service:2'); // SERVER span of the NATS handler
    expect(chain[0]).toBe('providers-service:3'); // the Postgres span itself
  });
});
