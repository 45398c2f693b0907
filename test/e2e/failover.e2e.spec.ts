import OpenAI from 'openai';
import { ApiClient, MockLlmUpstream, Stack, deleteEventsStream, eventually, freePort, readStreamMessages } from '@switchboard/testing';

type Json = Record<string, unknown>;

const BREAKER_FAILURES = 3;
const HALF_OPEN_MS = 1_500;
/** Output at 2 USD per million tokens, input free: a call with max_tokens = 1000 costs exactly 0.002 USD. */
const PRICES = { inputUsdPerMTok: 0, outputUsdPerMTok: 2 };
const ONE_CALL_USD = 0.002;

/**
 * Failover on the real stack (one gateway): two mock upstreams, one behind the agents' own providers and one behind
 * their fallback, so each mock's ledger shows which provider got which call.
 */
describe('failover across an agent’s providers (real stack, two mock upstreams)', () => {
  let primaryMock: MockLlmUpstream;
  let fallbackMock: MockLlmUpstream;
  let stack: Stack;
  let admin: ApiClient;
  let tenantId: string;
  let fallbackId: string;
  let closedPort: number;

  beforeAll(async () => {
    primaryMock = await new MockLlmUpstream().start();
    fallbackMock = await new MockLlmUpstream().start();
    closedPort = await freePort();
    stack = await Stack.start({
      env: {
        SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32',
        SWITCHBOARD_UPSTREAM_TIMEOUT_MS: '1000',
        SWITCHBOARD_BREAKER_FAILURES: String(BREAKER_FAILURES),
        SWITCHBOARD_BREAKER_HALF_OPEN_MS: String(HALF_OPEN_MS),
      },
    });
    const tenant = await new ApiClient(stack.gatewayUrl, stack.operatorKey).post<Json>('/v1/tenants', { name: 'failover' });
    tenantId = tenant.body.id as string;
    admin = new ApiClient(stack.gatewayUrl, tenant.body.adminKey as string);
    fallbackId = await provider('backup', `${fallbackMock.baseUrl}/v1`, 'backup-model');
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
    if (stack) await deleteEventsStream(stack.names);
    await primaryMock?.stop();
    await fallbackMock?.stop();
  });

  async function provider(name: string, endpoint: string, model: string, extra: Json = {}): Promise<string> {
    const created = await admin.post<Json>('/v1/providers', { name, type: 'custom', endpoint, apiKey: `sk-${name}-0123456789`, ...extra });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect((await admin.post(`/v1/providers/${id}/models`, { name: model, upstreamModel: 'gpt-mock', ...PRICES })).status).toBe(201);
    return id;
  }

  /** A provider on the primary mock (or `endpoint`), an agent on it falling back to the backup provider, and its key. */
  async function failingOver(name: string, endpoint = `${primaryMock.baseUrl}/v1`, extra: Json = {}) {
    const providerId = await provider(name, endpoint, 'main', extra);
    const agent = await admin.post<Json>('/v1/agents', { name: `${name}-agent`, providerId, model: 'main', fallbacks: [{ providerId: fallbackId, model: 'backup-model' }] });
    expect(agent.status).toBe(201);
    expect(agent.body['fallbacks']).toEqual([{ providerId: fallbackId, model: 'backup-model' }]);
    const key = (await admin.post<Json>('/v1/keys', { name: `${name}-key`, role: 'agent', agentId: agent.body.id })).body.key as string;
    const client = new OpenAI({ apiKey: key, baseURL: `${stack.gatewayUrl}/v1`, maxRetries: 0 });
    return { providerId, agentId: agent.body.id as string, client, upstreamKey: `Bearer sk-${name}-0123456789` };
  }

  /** Proxied calls only: saving a key also lists the provider's models (GET /v1/models) by itself. */
  const callsWith = (mock: MockLlmUpstream, authorization: string) =>
    mock.calls().filter((c) => c.endpoint !== 'models' && c.headers['authorization'] === authorization).length;

  async function chat(client: OpenAI, maxTokens = 8) {
    const { data, response } = await client.chat.completions.create({ model: 'main', messages: [{ role: 'user', content: 'hi' }], max_tokens: maxTokens }).withResponse();
    return { data, provider: response.headers.get('x-switchboard-provider'), requestId: response.headers.get('x-request-id') ?? '' };
  }

  async function usageOf(requestId: string, attempts: number): Promise<Json[]> {
    const events = await eventually(
      async () => (await readStreamMessages(stack.names, stack.names.event(tenantId, 'usage.recorded'))).map((m) => m.data).filter((e) => e['requestId'] === requestId),
      (list) => list.length >= attempts,
      10_000,
    );
    return events.sort((a, b) => Number(a['attempt']) - Number(b['attempt']));
  }

  it.each([
    // The status each attempt's failure would have answered: an upstream 500 is a 502 (bad gateway) to clients.
    ['a 500', { kind: 'status', status: 500 } as const, 502],
    ['a 429', { kind: 'status', status: 429 } as const, 429],
  ])('serves the call on the fallback when the primary answers %s, recording both attempts', async (_name, fault, status) => {
    const { providerId, agentId, client, upstreamKey } = await failingOver(`p${fault.status}`);
    primaryMock.configure({ fault, faultCount: 1 });
    const served = await chat(client);
    expect(served.provider).toBe(fallbackId);
    expect(served.data.choices[0]?.message.content).toEqual(expect.any(String));
    expect(callsWith(primaryMock, upstreamKey)).toBe(1);
    expect(callsWith(fallbackMock, 'Bearer sk-backup-0123456789')).toBeGreaterThan(0);

    const [first, second] = await usageOf(served.requestId, 2);
    expect(first).toMatchObject({ requestId: served.requestId, attempt: 1, providerId, status, costUsd: 0 });
    expect(second).toMatchObject({ requestId: served.requestId, attempt: 2, providerId: fallbackId, status: 200, model: 'backup-model', outputTokens: 8 });
    expect(second?.['costUsd']).toBeCloseTo(8 * 2e-6, 12);
    expect(first?.['eventId']).not.toBe(second?.['eventId']);
    // usage-service counts both attempts, each against its own provider.
    const row = await eventually(
      async () => (await admin.get<{ data: Json[] }>('/v1/usage?groupBy=agent')).body?.data?.find((r) => r['key'] === agentId),
      (r) => r?.['requests'] === 2,
      10_000,
    );
    expect(row).toMatchObject({ requests: 2, errors: 1, outputTokens: 8 });
  });

  it('serves the call on the fallback when the primary does not answer in time', async () => {
    const { providerId, client } = await failingOver('slow');
    primaryMock.configure({ fault: { kind: 'timeout' }, faultCount: 1 });
    const served = await chat(client);
    expect(served.provider).toBe(fallbackId);
    const [first, second] = await usageOf(served.requestId, 2);
    expect(first).toMatchObject({ attempt: 1, providerId, errorKind: 'upstream_timeout' });
    expect(second).toMatchObject({ attempt: 2, providerId: fallbackId, status: 200 });
  });

  it('serves the call on the fallback when the primary refuses connections', async () => {
    const { providerId, client } = await failingOver('refusing', `http://127.0.0.1:${closedPort}/v1`);
    const served = await chat(client);
    expect(served.provider).toBe(fallbackId);
    const [first, second] = await usageOf(served.requestId, 2);
    expect(first).toMatchObject({ attempt: 1, providerId, costUsd: 0 });
    expect(second).toMatchObject({ attempt: 2, providerId: fallbackId, status: 200 });
  });

  it('fails a stream over before its first byte', async () => {
    const { client } = await failingOver('streamer');
    primaryMock.configure({ fault: { kind: 'status', status: 503 }, faultCount: 1 });
    const { data: stream, response } = await client.chat.completions.create({ model: 'main', messages: [{ role: 'user', content: 'hi' }], stream: true }).withResponse();
    expect(response.headers.get('x-switchboard-provider')).toBe(fallbackId);
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe('Hello from the mock upstream.');
  });

  it('fails over across protocols: an OpenAI client served by an Anthropic fallback, translated both ways', async () => {
    const claudeId = await provider('claude', `${fallbackMock.baseUrl}/v1`, 'claude-backup', { protocol: 'anthropic_messages', authMethod: 'x_api_key' });
    const primaryId = await provider('cross', `${primaryMock.baseUrl}/v1`, 'main');
    const agent = await admin.post<Json>('/v1/agents', { name: 'cross-agent', providerId: primaryId, model: 'main', fallbacks: [{ providerId: claudeId, model: 'claude-backup' }] });
    expect(agent.status).toBe(201);
    const key = (await admin.post<Json>('/v1/keys', { name: 'cross-key', role: 'agent', agentId: agent.body.id })).body.key as string;
    const client = new OpenAI({ apiKey: key, baseURL: `${stack.gatewayUrl}/v1`, maxRetries: 0 });
    primaryMock.configure({ fault: { kind: 'status', status: 503 }, faultCount: 1 });
    const served = await chat(client);
    expect(served.provider).toBe(claudeId);
    expect(served.data.object).toBe('chat.completion');
    expect(served.data.choices[0]?.message.content).toEqual(expect.any(String));
    const upstream = fallbackMock.calls().filter((c) => c.headers['x-api-key'] === 'sk-claude-0123456789' && c.endpoint !== 'models').at(-1);
    expect(upstream?.path).toMatch(/\/messages$/);
    expect(upstream?.body).toMatchObject({ max_tokens: 8, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] });
    const [first, second] = await usageOf(served.requestId, 2);
    expect(first).toMatchObject({ attempt: 1, providerId: primaryId, status: 503 });
    expect(second).toMatchObject({ attempt: 2, providerId: claudeId, protocol: 'openai_chat', status: 200, outputTokens: served.data.usage?.completion_tokens });
  });

  it('answers as before when the last target fails too, naming the provider that answered', async () => {
    const { client } = await failingOver('both-down');
    primaryMock.configure({ fault: { kind: 'status', status: 500 }, faultCount: 1 });
    fallbackMock.configure({ fault: { kind: 'status', status: 502 }, faultCount: 1 });
    const failed = await client.chat.completions.create({ model: 'main', messages: [{ role: 'user', content: 'x' }] }).withResponse().catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(OpenAI.APIError);
    expect((failed as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((failed as InstanceType<typeof OpenAI.APIError>).headers?.get('x-switchboard-provider')).toBe(fallbackId);
  });

  it('sends calls to the fallback while the primary budget is exhausted, never over it', async () => {
    const { providerId, client, upstreamKey } = await failingOver('budgeted', `${primaryMock.baseUrl}/v1`, { monthlyBudgetUsd: ONE_CALL_USD });
    expect((await chat(client, 1000)).provider).toBe(providerId);
    const refusedThenServed = await chat(client, 1000);
    expect(refusedThenServed.provider).toBe(fallbackId);
    expect((await chat(client, 1000)).provider).toBe(fallbackId);
    expect(callsWith(primaryMock, upstreamKey)).toBe(1);
    const [refused, served] = await usageOf(refusedThenServed.requestId, 2);
    expect(refused).toMatchObject({ attempt: 1, providerId, status: 429, errorKind: 'budget_exceeded' });
    expect(served).toMatchObject({ attempt: 2, providerId: fallbackId, status: 200 });

    const budget = await eventually(
      async () => (await admin.get<Json>(`/v1/providers/${providerId}/budget`)).body,
      (b) => b['reservedUsd'] === 0 && b['exhausted'] === true,
      10_000,
    );
    expect(budget).toMatchObject({ monthlyBudgetUsd: ONE_CALL_USD, exhausted: true, remainingUsd: 0 });
    expect(budget['spentUsd']).toBeLessThanOrEqual(ONE_CALL_USD);
  });

  it('sends calls over the primary RPM limit to the fallback, recording the refusal as attempt 1', async () => {
    const { providerId, client, upstreamKey } = await failingOver('limited', `${primaryMock.baseUrl}/v1`, { rateLimitRpm: 1 });
    // The limit counts per UTC minute: both calls must fall in the same one.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 55_000) await new Promise((resolve) => setTimeout(resolve, 60_500 - intoMinute));
    expect((await chat(client)).provider).toBe(providerId);
    const limited = await chat(client);
    expect(limited.provider).toBe(fallbackId);
    expect(callsWith(primaryMock, upstreamKey)).toBe(1);
    const [refused, served] = await usageOf(limited.requestId, 2);
    expect(refused).toMatchObject({ attempt: 1, providerId, status: 429, errorKind: 'rate_limited' });
    expect(served).toMatchObject({ attempt: 2, providerId: fallbackId, status: 200 });
  });

  it('opens the primary circuit after N failures, skips it without a connection, and closes it once it recovers', async () => {
    const { providerId, client, upstreamKey } = await failingOver('flaky');
    const circuit = async () => (await admin.get<Json>(`/v1/providers/${providerId}`)).body['circuit'] as Json;
    expect(await circuit()).toEqual({ state: 'closed', since: null });
    primaryMock.configure({ fault: { kind: 'status', status: 503 }, faultCount: null });
    try {
      for (let i = 0; i < BREAKER_FAILURES; i++) expect((await chat(client)).provider).toBe(fallbackId);
      expect(callsWith(primaryMock, upstreamKey)).toBe(BREAKER_FAILURES);
      expect(await circuit()).toMatchObject({ state: 'open', since: expect.any(String) });

      const skipped = await chat(client);
      expect(skipped.provider).toBe(fallbackId);
      expect(callsWith(primaryMock, upstreamKey)).toBe(BREAKER_FAILURES);
      // Passed over without an attempt: the call's only usage event is the fallback's, as attempt 1.
      expect(await usageOf(skipped.requestId, 1)).toEqual([expect.objectContaining({ attempt: 1, providerId: fallbackId })]);
      const listed = (await admin.get<{ data: Json[] }>('/v1/providers')).body.data.find((p) => p['id'] === providerId);
      expect(listed?.['circuit']).toMatchObject({ state: 'open' });
    } finally {
      primaryMock.configure({ fault: null, faultCount: null });
    }

    await eventually(circuit, (c) => c['state'] === 'half_open', HALF_OPEN_MS * 4);
    expect((await chat(client)).provider).toBe(providerId);
    expect(callsWith(primaryMock, upstreamKey)).toBe(BREAKER_FAILURES + 1);
    expect(await circuit()).toMatchObject({ state: 'closed', since: expect.any(String) });
    expect((await chat(client)).provider).toBe(providerId);

    const metrics = await (await fetch(`${stack.gatewayUrl}/metrics`)).text();
    expect(metrics).toMatch(/switchboard_circuit_transitions_total\{to="open"\} [1-9]/);
    expect(metrics).toMatch(/switchboard_circuits\{state="closed"\} [1-9]/);
  });

  describe('fallbacks as the API takes them', () => {
    let primaryId: string;
    let agentId: string;

    beforeAll(async () => {
      primaryId = await provider('validating', `${primaryMock.baseUrl}/v1`, 'main');
      const agent = await admin.post<Json>('/v1/agents', { name: 'validating-agent', providerId: primaryId, model: 'main', fallbacks: [{ providerId: fallbackId, model: 'backup-model' }] });
      agentId = agent.body.id as string;
    });

    it.each([
      ['an unknown provider', [{ providerId: 'FALLBACK', model: 'backup-model' }, { providerId: 'prv_unknown', model: 'x' }], 'fallbacks[1].providerId'],
      ['a model the provider lacks', [{ providerId: 'FALLBACK', model: 'nope' }], 'fallbacks[0].model'],
      ['a repeat', [{ providerId: 'FALLBACK', model: 'backup-model' }, { providerId: 'FALLBACK', model: 'backup-model' }], 'fallbacks[1].providerId'],
      ['the agent’s own target', [{ providerId: 'PRIMARY', model: 'main' }], 'fallbacks[0].providerId'],
      ['more than five', Array.from({ length: 6 }, () => ({ providerId: 'FALLBACK', model: 'backup-model' })), 'fallbacks'],
    ])('refuses %s with 400 naming the field, changing nothing', async (_case, fallbacks, field) => {
      // The table is built before the providers exist: their ids are filled in here.
      const ids: Record<string, string> = { PRIMARY: primaryId, FALLBACK: fallbackId };
      const body = fallbacks.map((f) => ({ ...f, providerId: ids[f.providerId] ?? f.providerId }));
      const created = await admin.post<Json>('/v1/agents', { name: `refused-${field.length}-${body.length}`, providerId: primaryId, model: 'main', fallbacks: body });
      expect(created.status).toBe(400);
      expect(JSON.stringify(created.body)).toContain(`${field}:`);
      const patched = await admin.patch<Json>(`/v1/agents/${agentId}`, { fallbacks: body });
      expect(patched.status).toBe(400);
      expect(JSON.stringify(patched.body)).toContain(`${field}:`);
      expect((await admin.get<Json>(`/v1/agents/${agentId}`)).body['fallbacks']).toEqual([{ providerId: fallbackId, model: 'backup-model' }]);
    });

    it('refuses another tenant’s provider as a fallback', async () => {
      const other = await new ApiClient(stack.gatewayUrl, stack.operatorKey).post<Json>('/v1/tenants', { name: 'other' });
      const otherAdmin = new ApiClient(stack.gatewayUrl, other.body.adminKey as string);
      const foreign = await otherAdmin.post<Json>('/v1/providers', { name: 'theirs', type: 'custom', endpoint: `${fallbackMock.baseUrl}/v1`, apiKey: 'sk-theirs-0123456789' });
      await otherAdmin.post(`/v1/providers/${foreign.body.id}/models`, { name: 'backup-model', upstreamModel: 'gpt-mock' });
      const patched = await admin.patch<Json>(`/v1/agents/${agentId}`, { fallbacks: [{ providerId: foreign.body.id, model: 'backup-model' }] });
      expect(patched.status).toBe(400);
      expect(JSON.stringify(patched.body)).toContain('fallbacks[0].providerId:');
    });

    it('counts a provider used only as a fallback as in use', async () => {
      const preview = await admin.delete<Json>(`/v1/providers/${fallbackId}?dryRun=true`);
      expect(preview.status).toBe(200);
      expect((preview.body['dependents'] as Json)['agents']).toContain(agentId);
      const refused = await admin.delete<{ error: Json }>(`/v1/providers/${fallbackId}`);
      expect(refused.status).toBe(409);
      expect(refused.body.error['code']).toBe('provider_in_use');
      expect((refused.body.error['dependents'] as Json)['agents']).toContain(agentId);
    });

    it('clears fallbacks with PATCH, and the route follows', async () => {
      const cleared = await admin.patch<Json>(`/v1/agents/${agentId}`, { fallbacks: [] });
      expect(cleared.status).toBe(200);
      expect(cleared.body['fallbacks']).toEqual([]);
      const key = (await admin.post<Json>('/v1/keys', { name: 'validating-key', role: 'agent', agentId })).body.key as string;
      const client = new OpenAI({ apiKey: key, baseURL: `${stack.gatewayUrl}/v1`, maxRetries: 0 });
      primaryMock.configure({ fault: { kind: 'status', status: 500 }, faultCount: 1 });
      const failed = await client.chat.completions.create({ model: 'main', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(OpenAI.InternalServerError);
    });
  });
});
