import { ApiClient, OtlpCollector, Stack, deleteEventsStream } from '@switchboard/testing';

type Json = Record<string, unknown>;

describe('two providers-service replicas behind one queue group', () => {
  let collector: OtlpCollector;
  let stack: Stack;
  let admin: ApiClient;

  beforeAll(async () => {
    collector = await new OtlpCollector().start();
    stack = await Stack.start({
      replicas: { 'providers-service': 2 },
      otlpEndpoint: collector.endpoint,
      env: { SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32' },
    });
    const tenant = await new ApiClient(stack.gatewayUrl, stack.operatorKey).post<Json>('/v1/tenants', { name: 'replicated' });
    admin = new ApiClient(stack.gatewayUrl, tenant.body.adminKey as string);
  });

  afterAll(async () => {
    await stack?.stop();
    if (stack) await deleteEventsStream(stack.names);
    await collector?.stop();
  });

  it('loses no concurrent update to one provider', async () => {
    const created = await admin.post<Json>('/v1/providers', { name: 'shared', type: 'openai' });
    const id = created.body.id as string;
    const changes: Json[] = [
      { name: 'shared-renamed' },
      { endpoint: 'http://127.0.0.1:9/v1' },
      { authMethod: 'x_api_key' },
      { organizationId: 'org-9' },
      { rateLimitRpm: 1200 },
      { monthlyBudgetUsd: 99.5 },
      { protocol: 'anthropic_messages' },
    ];
    const results = await Promise.all(changes.map((c) => admin.patch(`/v1/providers/${id}`, c)));
    expect(results.map((r) => r.status)).toEqual(changes.map(() => 200));
    const final = await admin.get<Json>(`/v1/providers/${id}`);
    expect(final.body).toMatchObject(Object.assign({}, ...changes));
    expect(final.body.version).toBe(1 + changes.length);
    expect(final.headers.get('etag')).toBe(`"${1 + changes.length}"`);
  });

  it('lets exactly one of many writers holding the same ETag win', async () => {
    const created = await admin.post<Json>('/v1/providers', { name: 'contended', type: 'openai' });
    const id = created.body.id as string;
    const writers = Array.from({ length: 10 }, (_, i) =>
      admin.patch(`/v1/providers/${id}`, { rateLimitRpm: 100 + i }, { headers: { 'if-match': '"1"' } }),
    );
    const statuses = (await Promise.all(writers)).map((r) => r.status).sort();
    expect(statuses).toEqual([200, ...Array(9).fill(412)]);
    expect((await admin.get<Json>(`/v1/providers/${id}`)).body.version).toBe(2);
  });

  it('serves concurrent creates from both replicas, every one kept once', async () => {
    const provider = await admin.post<Json>('/v1/providers', { name: 'agents-home', type: 'openai' });
    const names = Array.from({ length: 40 }, (_, i) => `agent-${i}`);
    const created = await Promise.all(names.map((name) => admin.post('/v1/agents', { name, providerId: provider.body.id })));
    expect(created.map((r) => r.status)).toEqual(names.map(() => 201));
    const list = await admin.get<{ data: Json[] }>('/v1/agents');
    expect(list.body.data.map((a) => a.name).sort()).toEqual([...names].sort());

    const spans = await collector.waitFor((all) => {
      const instances = new Set(
        all.filter((s) => s.serviceName === 'providers-service' && s.kind === 2).map((s) => s.resource['service.instance.id']),
      );
      return instances.size === 2;
    });
    const served = spans.filter((s) => s.serviceName === 'providers-service' && s.kind === 2);
    expect(new Set(served.map((s) => s.resource['service.instance.id']))).toEqual(
      new Set(['providers-service-0', 'providers-service-1']),
    );
  });
});
