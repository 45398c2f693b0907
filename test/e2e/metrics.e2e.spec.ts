import { join } from 'node:path';
import { ApiClient, MockLlmUpstream, REPO_ROOT, Stack, deleteEventsStream, eventually, freePort, type ServiceName } from '@switchboard/testing';
import { dashboardQueries, exposedMetricNames, missingDashboardMetrics, readDashboards, sampleValue } from '../deploy/dashboard.checks.js';

type Json = Record<string, unknown>;
const UPSTREAM_KEY = 'sk-upstream-metrics-0123456789';
const SERVICES: readonly ServiceName[] = ['gateway', 'providers-service', 'credentials-service', 'usage-service'];
const PRICES = { inputUsdPerMTok: 3, cachedInputUsdPerMTok: 1, outputUsdPerMTok: 15 };
const BUDGET_USD = 5;

async function scrape(url: string): Promise<string> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.text();
}

/**
 * Every service with its metrics listener on (SWITCHBOARD_METRICS_PORT), a few proxied calls through the gateway to the
 * mock upstream, then each listener scraped: the dashboards only name metrics the services expose, and the proxy's
 * token and cost counters equal what /v1/usage reports for the same calls.
 */
describe('metrics of the running stack', () => {
  let mock: MockLlmUpstream;
  let stack: Stack;
  let admin: ApiClient;
  let providerId: string;
  let agentKey: string;
  const metricsUrls = new Map<ServiceName, string>();
  const scrapes = new Map<ServiceName, string>();

  beforeAll(async () => {
    mock = await new MockLlmUpstream().start();
    mock.configure({ requiredKey: UPSTREAM_KEY, cachedTokens: 4 });
    const serviceEnv: Partial<Record<ServiceName, Record<string, string>>> = {};
    for (const name of SERVICES) {
      const port = await freePort();
      serviceEnv[name] = { SWITCHBOARD_METRICS_PORT: String(port) };
      metricsUrls.set(name, `http://127.0.0.1:${port}/metrics`);
    }
    stack = await Stack.start({ env: { SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32' }, serviceEnv });
    const tenant = await new ApiClient(stack.gatewayUrl, stack.operatorKey).post<Json>('/v1/tenants', { name: 'metrics' });
    admin = new ApiClient(stack.gatewayUrl, tenant.body.adminKey as string);
    const provider = await admin.post<Json>('/v1/providers', { name: 'mock', type: 'custom', endpoint: `${mock.baseUrl}/v1`, apiKey: UPSTREAM_KEY, monthlyBudgetUsd: BUDGET_USD });
    expect(provider.status).toBe(201);
    providerId = provider.body.id as string;
    expect((await admin.post(`/v1/providers/${providerId}/models`, { name: 'priced', upstreamModel: 'gpt-mock', ...PRICES })).status).toBe(201);
    const agent = await admin.post<Json>('/v1/agents', { name: 'metered', providerId, model: 'priced' });
    agentKey = (await admin.post<Json>('/v1/keys', { name: 'agent', role: 'agent', agentId: agent.body.id })).body.key as string;

    const call = (body: Json) =>
      fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${agentKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'priced', messages: [{ role: 'user', content: 'hello there' }], ...body }),
      });
    for (const body of [{ max_tokens: 8 }, { max_tokens: 20 }, { stream: true, stream_options: { include_usage: true } }, { stream: true }]) {
      const response = await call(body);
      expect(response.status).toBe(200);
      await response.text();
    }
    expect((await call({ model: 'no-such-model' })).status).toBe(404);

    await eventually(
      async () => (await admin.get<{ data: Json[] }>('/v1/usage?groupBy=model')).body?.data?.find((row) => row['key'] === 'priced'),
      (row) => row?.['requests'] === 4,
      15_000,
    );
    for (const [name, url] of metricsUrls) scrapes.set(name, await scrape(url));
  });

  afterAll(async () => {
    await stack?.stop();
    if (stack) await deleteEventsStream(stack.names);
    await mock?.stop();
  });

  it('serves every service metrics on its own listener, and the gateway also on /metrics', async () => {
    for (const name of SERVICES) expect({ name, processMetrics: scrapes.get(name)?.includes('# TYPE process_cpu_seconds_total counter') }).toEqual({ name, processMetrics: true });
    const main = exposedMetricNames(await scrape(`${stack.gatewayUrl}/metrics`));
    expect([...exposedMetricNames(scrapes.get('gateway') ?? '')].filter((name) => !main.has(name))).toEqual([]);
    expect(scrapes.get('providers-service')).toMatch(/switchboard_bus_operation_duration_seconds_count\{operation="[^"]+",outcome="ok"\} [1-9]/);
    expect(scrapes.get('providers-service')).toMatch(/switchboard_outbox_published_total\{schema="[^"]+"\} [1-9]/);
    expect(scrapes.get('credentials-service')).toMatch(/switchboard_kms_request_duration_seconds_count\{backend="local",operation="generate_data_key",outcome="ok"\} [1-9]/);
    expect(scrapes.get('usage-service')).toMatch(/switchboard_consumer_events_total\{consumer="usage-projector",outcome="acked"\} [1-9]/);
    expect(scrapes.get('usage-service')).toMatch(/switchboard_projection_lag_seconds\{projection="usage"\} /);
  });

  it('exposes every metric the Grafana dashboards query', () => {
    const exposed = new Set<string>();
    for (const text of scrapes.values()) for (const name of exposedMetricNames(text)) exposed.add(name);
    const queries = readDashboards(join(REPO_ROOT, 'deploy', 'observability', 'grafana', 'dashboards')).flatMap(({ file, dashboard }) => dashboardQueries(file, dashboard));
    expect(queries.length).toBeGreaterThan(20);
    expect(missingDashboardMetrics(queries, exposed)).toEqual([]);
  });

  it('counts tokens and cost exactly as /v1/usage reports them for the same calls', async () => {
    const gateway = scrapes.get('gateway') ?? '';
    const rows = (await admin.get<{ data: Json[] }>('/v1/usage?groupBy=model')).body.data;
    const row = rows.find((r) => r['key'] === 'priced');
    const series = { provider: providerId, model: 'priced' };
    expect(row).toMatchObject({ requests: 4 });
    expect(sampleValue(gateway, 'switchboard_proxy_tokens_total', { ...series, type: 'input' })).toBe(row?.['inputTokens']);
    expect(sampleValue(gateway, 'switchboard_proxy_tokens_total', { ...series, type: 'output' })).toBe(row?.['outputTokens']);
    expect(sampleValue(gateway, 'switchboard_proxy_cost_usd_total', series)).toBeCloseTo(row?.['costUsd'] as number, 12);
    expect(row?.['costUsd']).toBeGreaterThan(0);
    expect(sampleValue(gateway, 'switchboard_proxy_calls_total', { ...series, status_class: '2xx' })).toBe(4);
    expect(sampleValue(gateway, 'switchboard_proxy_time_to_first_token_seconds_count', series)).toBe(2);
    expect(sampleValue(gateway, 'switchboard_proxy_errors_total', { provider: providerId, model: 'no-such-model', error_kind: 'model_not_found' })).toBe(1);
  });

  it("reports each budget's use as GET /v1/providers/:id/budget does, and the bus's streams and consumers", async () => {
    const usage = scrapes.get('usage-service') ?? '';
    const budget = (await admin.get<Json>(`/v1/providers/${providerId}/budget`)).body;
    const subject = { scope: 'provider', subject: providerId };
    // reservedUsd may hold a gateway's budget lease (a share of what is left), so only spend is compared.
    expect(budget).toMatchObject({ monthlyBudgetUsd: BUDGET_USD, exhausted: false });
    expect(budget['spentUsd']).toBeGreaterThan(0);
    expect(sampleValue(usage, 'switchboard_budget_spent_usd', subject)).toBeCloseTo(budget['spentUsd'] as number, 12);
    expect(sampleValue(usage, 'switchboard_budget_limit_usd', subject)).toBe(BUDGET_USD);
    expect(sampleValue(usage, 'switchboard_budget_use_ratio', subject)).toBeCloseTo((budget['spentUsd'] as number) / BUDGET_USD, 12);
    expect(sampleValue(usage, 'switchboard_budgets_exhausted', { scope: 'provider' })).toBe(0);

    for (const name of ['providers-service', 'credentials-service', 'usage-service'] as const) {
      const text = scrapes.get(name) ?? '';
      expect({ name, replicas: sampleValue(text, 'switchboard_nats_stream_replicas', { stream: 'EVENTS' }) }).toEqual({ name, replicas: 1 });
      expect({ name, current: sampleValue(text, 'switchboard_nats_stream_current_replicas', { stream: 'EVENTS' }) }).toEqual({ name, current: 1 });
      expect(sampleValue(text, 'switchboard_nats_stream_messages', { stream: 'EVENTS' })).toBeGreaterThan(4);
      expect(sampleValue(text, 'switchboard_nats_messages_total', { direction: 'out' })).toBeGreaterThan(0);
      expect(sampleValue(text, 'switchboard_nats_connections', { state: 'connected' })).toBeGreaterThanOrEqual(1);
    }
    // The projector had taken every usage event before the scrape (the usage query above saw all four calls).
    expect(sampleValue(usage, 'switchboard_nats_consumer_pending_messages', { stream: 'EVENTS', consumer: 'usage-projector' })).toBe(0);
  });

  it('writes one JSON access-log line per request, with trace ids and no secrets', () => {
    const lines = stack
      .running('gateway')[0]
      ?.output()
      .split('\n')
      .filter((line) => line.includes('"msg":"http request"'))
      .map((line) => JSON.parse(line.slice(line.indexOf('{'))) as Json);
    const proxied = lines?.filter((line) => line['route'] === '/v1/chat/completions') ?? [];
    expect(proxied).toHaveLength(5);
    for (const line of proxied) {
      expect(line).toMatchObject({ level: 'info', method: 'POST', duration_ms: expect.any(Number), request_id: expect.stringMatching(/^req_/) });
      expect(line['trace_id']).toMatch(/^[0-9a-f]{32}$/);
      expect(line['span_id']).toMatch(/^[0-9a-f]{16}$/);
      expect(line['tenant_id']).toEqual(expect.stringMatching(/^ten_/));
    }
    expect(proxied.map((line) => line['status']).sort()).toEqual([200, 200, 200, 200, 404]);
    expect(JSON.stringify(lines)).not.toContain(UPSTREAM_KEY);
    expect(JSON.stringify(lines)).not.toContain(agentKey);
    expect(JSON.stringify(lines)).not.toMatch(/authorization|hello there/i);
  });
});
