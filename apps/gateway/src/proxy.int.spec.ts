import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { connectNats, ensureEventsStream } from '@switchboard/messaging';
import { MockLlmUpstream, deleteEventsStream, eventually, readStreamMessages } from '@switchboard/testing';
import { generateAccessKey } from './auth/access-key.js';
import type { GatewayHarness } from '../test/gateway.harness.js';

// Set before the harness (and the fakes' decorators, which read it) is imported.
const namespace = `t${randomBytes(5).toString('hex')}`;
process.env.SWITCHBOARD_NAMESPACE = namespace;

type Json = Record<string, unknown>;
const operatorKey = generateAccessKey();
const UPSTREAM_KEY = 'sk-upstream-int-0123456789';
const hi = [{ role: 'user' as const, content: 'hi' }];

describe('LLM proxy (gateway in-process, real NATS, fake services, mock upstream)', () => {
  let h: GatewayHarness;
  let mock: MockLlmUpstream;
  let spoolDir: string;
  let tenantId: string;
  let admin: string;
  let agentKey: string;
  let agentId: string;
  let claudeKey: string;

  const post = async (key: string, url: string, body: Json) => (await h.request('POST', url, { key, body })).body as Json;
  const openai = (key = agentKey, headers: Record<string, string> = {}) =>
    new OpenAI({ apiKey: key, baseURL: `${h.baseUrl}/v1`, maxRetries: 0, defaultHeaders: headers });
  const anthropic = (key = claudeKey) => new Anthropic({ apiKey: key, baseURL: h.baseUrl, maxRetries: 0 });

  async function agentWithKey(providerId: string, name: string): Promise<{ id: string; key: string }> {
    const agent = await post(admin, '/v1/agents', { name, providerId });
    const key = await post(admin, '/v1/keys', { name, role: 'agent', agentId: agent.id });
    return { id: agent.id as string, key: key.key as string };
  }

  beforeAll(async () => {
    const { GatewayHarness } = await import('../test/gateway.harness.js');
    mock = await new MockLlmUpstream({ requiredKey: UPSTREAM_KEY }).start();
    spoolDir = mkdtempSync(join(tmpdir(), 'sb-proxy-spool-'));
    h = await GatewayHarness.start({ namespace, operatorKey, egressAllow: '127.0.0.1/32', spoolDir });
    // providers-service creates the events stream in a real stack; here nothing else would.
    const nc = await connectNats({ ...h.nats, name: 'proxy-int-setup' });
    await ensureEventsStream(nc, h.names);
    await nc.close();
    const tenant = await post(operatorKey, '/v1/tenants', { name: 'proxy' });
    tenantId = [...h.state.keys.values()][0]?.tenantId ?? '';
    admin = tenant.adminKey as string;
    const openaiProvider = await post(admin, '/v1/providers', { name: 'mock-openai', type: 'custom', endpoint: `${mock.baseUrl}/v1`, apiKey: UPSTREAM_KEY });
    await post(admin, `/v1/providers/${openaiProvider.id}/models`, { name: 'fast', upstreamModel: 'gpt-mock' });
    // Not at OpenAI's endpoint, but a model id the price catalogue knows.
    await post(admin, `/v1/providers/${openaiProvider.id}/models`, { name: 'priced', upstreamModel: 'gpt-4o' });
    ({ id: agentId, key: agentKey } = await agentWithKey(openaiProvider.id as string, 'openai-agent'));
    const anthropicProvider = await post(admin, '/v1/providers', {
      name: 'mock-anthropic',
      type: 'custom',
      endpoint: `${mock.baseUrl}/v1`,
      protocol: 'anthropic_messages',
      authMethod: 'x_api_key',
      apiKey: UPSTREAM_KEY,
    });
    await post(admin, `/v1/providers/${anthropicProvider.id}/models`, { name: 'claude-fast', upstreamModel: 'claude-mock' });
    ({ key: claudeKey } = await agentWithKey(anthropicProvider.id as string, 'claude-agent'));
  });

  afterAll(async () => {
    await h?.close();
    await mock?.stop();
    await deleteEventsStream(h.names);
    rmSync(spoolDir, { recursive: true, force: true });
  });

  it('serves the official openai client: chat and responses, plain and streamed', async () => {
    const chat = await openai().chat.completions.create({ model: 'fast', messages: hi, max_tokens: 8 });
    expect(chat.choices[0]?.message.content).toEqual(expect.any(String));
    expect(chat.usage).toMatchObject({ completion_tokens: 8 });
    const forwarded = mock.calls().at(-1);
    expect(forwarded?.model).toBe('gpt-mock');
    expect(forwarded?.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);

    const stream = await openai().chat.completions.create({ model: 'fast', messages: hi, stream: true });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe('Hello from the mock upstream.');
    // The proxy asked the upstream for usage; the client that did not gets no usage-only chunk.
    expect(chunks.every((c) => c.choices.length > 0)).toBe(true);
    expect((mock.calls().at(-1)?.body as Json).stream_options).toEqual({ include_usage: true });

    const response = await openai().responses.create({ model: 'fast', input: 'hi', max_output_tokens: 16 });
    expect(response.usage?.output_tokens).toBe(16);
    const final = await openai().responses.stream({ model: 'fast', input: 'hi' }).finalResponse();
    expect(final.status).toBe('completed');
  });

  it('serves the official anthropic client, plain and streamed, passing its anthropic-version on', async () => {
    const message = await anthropic().messages.create({ model: 'claude-fast', max_tokens: 12, messages: hi });
    expect(message.usage.output_tokens).toBe(12);
    const call = mock.calls().at(-1);
    expect(call?.headers['x-api-key']).toBe(UPSTREAM_KEY);
    expect(call?.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const final = await anthropic().messages.stream({ model: 'claude-fast', max_tokens: 10, messages: hi }).finalMessage();
    expect(final.usage.output_tokens).toBe(10);
  });

  it('lists the agent models in each family shape', async () => {
    // Registration with a key also ran discovery, which added what the mock lists beside the manual models.
    const list = await openai().models.list();
    expect(list.data.map((m) => m.id)).toEqual(expect.arrayContaining(['fast', 'claude-mock']));
    expect(list.data.map((m) => m.id)).not.toContain('gpt-mock');
    const claude = await anthropic().models.list();
    expect(claude.data.map((m) => m.id)).toEqual(expect.arrayContaining(['claude-fast', 'gpt-mock']));
    expect(claude.data[0]).toMatchObject({ type: 'model' });
  });

  it('accepts an admin key naming the agent, refuses other roles, translates the other protocol', async () => {
    const chat = await openai(admin, { 'x-switchboard-agent': agentId }).chat.completions.create({ model: 'fast', messages: hi });
    expect(chat.object).toBe('chat.completion');
    await expect(openai(admin).chat.completions.create({ model: 'fast', messages: hi })).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
    const member = await post(admin, '/v1/keys', { name: 'reader', role: 'member' });
    await expect(openai(member.key as string).chat.completions.create({ model: 'fast', messages: hi })).rejects.toBeInstanceOf(
      OpenAI.PermissionDeniedError,
    );
    // An Anthropic client on this OpenAI agent is served through chat completions; what cannot be carried is a 400.
    const translated = await anthropic(agentKey).messages.create({ model: 'fast', max_tokens: 4, messages: hi });
    expect(translated.type).toBe('message');
    expect(mock.calls().at(-1)?.path).toMatch(/\/chat\/completions$/);
    await expect(
      anthropic(agentKey).messages.create({ model: 'fast', max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: hi }),
    ).rejects.toBeInstanceOf(Anthropic.BadRequestError);
  });

  it('raises the clients typed errors for 401, 404, upstream 401 and 429', async () => {
    await expect(openai(generateAccessKey()).chat.completions.create({ model: 'fast', messages: hi })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(anthropic(generateAccessKey()).messages.create({ model: 'claude-fast', max_tokens: 4, messages: hi })).rejects.toBeInstanceOf(
      Anthropic.AuthenticationError,
    );
    await expect(openai().chat.completions.create({ model: 'nope', messages: hi })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(anthropic().messages.create({ model: 'nope', max_tokens: 4, messages: hi })).rejects.toBeInstanceOf(Anthropic.NotFoundError);
    mock.configure({ fault: { kind: 'status', status: 401 }, faultCount: 1 });
    const upstream401 = openai().chat.completions.create({ model: 'fast', messages: hi });
    await expect(upstream401).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(upstream401).rejects.toThrow(/Invalid API Key/);

    const limited = await post(admin, '/v1/providers', { name: 'limited', type: 'custom', endpoint: `${mock.baseUrl}/v1`, apiKey: UPSTREAM_KEY, rateLimitRpm: 3 });
    await post(admin, `/v1/providers/${limited.id}/models`, { name: 'm', upstreamModel: 'gpt-mock' });
    const { key } = await agentWithKey(limited.id as string, 'limited-agent');
    const before = mock.calls().length;
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => openai(key).chat.completions.create({ model: 'm', messages: hi })));
    const admitted = results.filter((r) => r.status === 'fulfilled').length;
    expect(admitted === 3 || admitted === 6).toBe(true);
    expect(mock.calls().length - before).toBe(admitted);
    const refused = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused?.reason).toBeInstanceOf(OpenAI.RateLimitError);
    expect(Number((refused?.reason as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('delivers the first streamed chunk before the upstream has finished', async () => {
    mock.configure({ chunks: 5, interChunkDelayMs: 250 });
    try {
      const started = Date.now();
      const stream = await openai().chat.completions.create({ model: 'fast', messages: hi, stream: true });
      let firstAt = 0;
      for await (const chunk of stream) if (!firstAt && chunk.choices[0]?.delta?.content) firstAt = Date.now() - started;
      const total = Date.now() - started;
      expect(total).toBeGreaterThanOrEqual(1000);
      expect(firstAt).toBeLessThan(total - 750);
    } finally {
      mock.configure({ chunks: 4, interChunkDelayMs: 0 });
    }
  });

  it('caches routes and credentials, and drops a tenant route on its provider events', async () => {
    const lookups = h.state.routeLookups;
    const fetches = h.credentials.gatewayCredentialFetches;
    for (let i = 0; i < 3; i++) await openai().chat.completions.create({ model: 'fast', messages: hi });
    expect(h.state.routeLookups).toBe(lookups);
    expect(h.credentials.gatewayCredentialFetches).toBe(fetches);
    await h.publish(h.names.event(tenantId, 'provider.updated'), { eventId: 'e1', type: 'provider.updated', tenantId, at: new Date().toISOString() });
    await openai().chat.completions.create({ model: 'fast', messages: hi });
    expect(h.state.routeLookups).toBe(lookups + 1);
  });

  it('drops a cached route on agent.updated, so a changed agent budget reaches the proxy', async () => {
    const { ProxyRuntime } = await import('./proxy/proxy.runtime.js');
    const routes = h.app.get(ProxyRuntime).routes;
    const budgetOf = () => routes.peek(tenantId, agentId)?.agent.monthlyBudgetUsd;
    const agentUpdated = () =>
      h.publish(h.names.event(tenantId, 'agent.updated'), { eventId: `e-${randomBytes(4).toString('hex')}`, type: 'agent.updated', tenantId, at: new Date().toISOString() });
    await openai().chat.completions.create({ model: 'fast', messages: hi });
    expect(budgetOf()).toBeNull();
    try {
      const patched = await h.request('PATCH', `/v1/agents/${agentId}`, { key: admin, body: { monthlyBudgetUsd: 25 } });
      expect(patched.body).toMatchObject({ monthlyBudgetUsd: 25 });
      // The fake publishes no events: until agent.updated arrives, the cached route is the old one.
      await openai().chat.completions.create({ model: 'fast', messages: hi });
      expect(budgetOf()).toBeNull();
      const lookups = h.state.routeLookups;
      await agentUpdated();
      expect(await eventually(async () => routes.peek(tenantId, agentId), (route) => route === undefined)).toBeUndefined();
      // The proxy now holds the call to the agent's budget, which a model without a price cannot be held to.
      await expect(openai().chat.completions.create({ model: 'fast', messages: hi })).rejects.toMatchObject({
        status: 400,
        message: expect.stringContaining('monthly budget'),
      });
      expect(h.state.routeLookups).toBe(lookups + 1);
      expect(budgetOf()).toBe(25);
    } finally {
      await h.request('PATCH', `/v1/agents/${agentId}`, { key: admin, body: { monthlyBudgetUsd: null } });
      await agentUpdated();
    }
  });

  it('publishes one usage event per call with the tokens the upstream reported', async () => {
    const forwarded = mock.calls().filter((c) => c.endpoint !== 'models' && c.status !== null && c.usage !== null);
    const events = await eventually(
      () => readStreamMessages(h.names, h.names.event(tenantId, 'usage.recorded')),
      (msgs) => msgs.filter((m) => m.data.status === 200).length >= forwarded.length,
      15_000,
    );
    const ok = events.filter((e) => e.data.status === 200);
    expect(ok).toHaveLength(forwarded.length);
    const tokens = (u: { inputTokens: unknown; outputTokens: unknown; cachedTokens: unknown }) => `${u.inputTokens}/${u.outputTokens}/${u.cachedTokens}`;
    expect(ok.map((e) => tokens(e.data as never)).sort()).toEqual(forwarded.map((c) => tokens(c.usage as never)).sort());
    for (const e of events) {
      expect(e.msgId).toBe(e.data.requestId);
      expect(e.data).toMatchObject({ type: 'usage.recorded', tenantId, eventId: e.data.requestId, latencyMs: expect.any(Number) });
    }
    expect(events.some((e) => e.data.status === 404 && e.data.errorKind === 'model_not_found')).toBe(true);
    expect(events.some((e) => e.data.status === 429 && e.data.errorKind === 'rate_limited')).toBe(true);
    expect(events.some((e) => e.data.status === 401 && e.data.errorKind === 'invalid_api_key')).toBe(true);
  });

  it('costs a call from the model’s price, cached input at its own rate, and sends the price with the cost', async () => {
    mock.configure({ inputTokens: 1000, cachedTokens: 400, outputTokens: 50 });
    try {
      await openai().chat.completions.create({ model: 'priced', messages: hi });
      await openai().chat.completions.create({ model: 'fast', messages: hi });
    } finally {
      mock.configure({ inputTokens: null, cachedTokens: 0, outputTokens: 16 });
    }
    const events = await eventually(
      () => readStreamMessages(h.names, h.names.event(tenantId, 'usage.recorded')),
      (msgs) => msgs.some((m) => m.data.model === 'priced') && msgs.filter((m) => m.data.model === 'fast' && m.data.inputTokens === 1000).length > 0,
      15_000,
    );
    const priced = events.find((e) => e.data.model === 'priced')?.data;
    // openai/gpt-4o in the bundled catalogue: $2.50 input, $1.25 cached input, $10 output per million tokens.
    expect(priced).toMatchObject({
      inputTokens: 1000,
      cachedTokens: 400,
      outputTokens: 50,
      price: { inputUsdPerMTok: 2.5, outputUsdPerMTok: 10, cachedInputUsdPerMTok: 1.25, source: 'catalog', catalogModel: 'openai/gpt-4o' },
    });
    expect(priced?.costUsd).toBeCloseTo((600 * 2.5 + 400 * 1.25 + 50 * 10) / 1_000_000, 12);
    // An unpriced model's call carries neither a cost nor a price: unknown is not free.
    const unpriced = events.find((e) => e.data.model === 'fast' && e.data.inputTokens === 1000)?.data;
    expect(unpriced).toBeDefined();
    expect(unpriced).not.toHaveProperty('costUsd');
    expect(unpriced).not.toHaveProperty('price');
  });

  it('refuses unpriced models once the tenant chose so, in each client’s error shape', async () => {
    const member = await post(admin, '/v1/keys', { name: 'viewer', role: 'member' });
    expect(await h.request('GET', '/v1/settings', { key: member.key as string })).toMatchObject({ status: 200, body: { unpricedModels: 'allow' } });
    expect((await h.request('PATCH', '/v1/settings', { key: member.key as string, body: { unpricedModels: 'refuse' } })).status).toBe(403);
    expect((await h.request('PATCH', '/v1/settings', { key: admin, body: { unpricedModels: 'sometimes' } })).status).toBe(400);
    const settingsChanged = () =>
      h.publish(h.names.event(tenantId, 'tenant.settings_changed'), { eventId: `e-${Date.now()}`, type: 'tenant.settings_changed', tenantId, at: new Date().toISOString() });
    // Served from the cached route first, so the refusal below can only come from the event dropping it.
    await openai().chat.completions.create({ model: 'fast', messages: hi });
    expect(await h.request('PATCH', '/v1/settings', { key: admin, body: { unpricedModels: 'refuse' } })).toMatchObject({
      status: 200,
      body: { unpricedModels: 'refuse' },
    });
    await settingsChanged();
    try {
      await eventually(
        () => openai().chat.completions.create({ model: 'fast', messages: hi }).then(() => 'served', (error: unknown) => error),
        (outcome) => outcome instanceof OpenAI.PermissionDeniedError,
        5_000,
      );
      const refused = openai().chat.completions.create({ model: 'fast', messages: hi });
      await expect(refused).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
      await expect(refused).rejects.toThrow(/fast has no known price.*set inputUsdPerMTok and outputUsdPerMTok on the model/);
      await expect(anthropic().messages.create({ model: 'claude-fast', max_tokens: 4, messages: hi })).rejects.toBeInstanceOf(Anthropic.PermissionDeniedError);
      // A priced model is still served.
      expect((await openai().chat.completions.create({ model: 'priced', messages: hi })).choices).toHaveLength(1);
    } finally {
      await h.request('PATCH', '/v1/settings', { key: admin, body: { unpricedModels: 'allow' } });
      await settingsChanged();
    }
  });
});
