import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { ApiClient, MockLlmUpstream, Stack, deleteEventsStream, eventually, readStreamMessages } from '@switchboard/testing';

type Json = Record<string, unknown>;
const UPSTREAM_KEY = 'sk-upstream-e2e-0123456789';

describe('LLM proxy on the real stack (two gateways, mock upstream)', () => {
  let mock: MockLlmUpstream;
  let stack: Stack;
  let admin: ApiClient;
  let tenantId: string;
  let agentKey: string;
  let anthropicAgentKey: string;

  beforeAll(async () => {
    mock = await new MockLlmUpstream().start();
    mock.configure({ requiredKey: UPSTREAM_KEY });
    stack = await Stack.start({ replicas: { gateway: 2 }, env: { SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32' } });
    const tenant = await new ApiClient(stack.gatewayUrl, stack.operatorKey).post<Json>('/v1/tenants', { name: 'proxy' });
    tenantId = tenant.body.id as string;
    admin = new ApiClient(stack.gatewayUrl, tenant.body.adminKey as string);

    const openaiProvider = await admin.post<Json>('/v1/providers', {
      name: 'mock-openai',
      type: 'custom',
      endpoint: `${mock.baseUrl}/v1`,
      apiKey: UPSTREAM_KEY,
    });
    expect(openaiProvider.status).toBe(201);
    await admin.post(`/v1/providers/${openaiProvider.body.id}/models`, { name: 'fast', upstreamModel: 'gpt-mock' });
    const agent = await admin.post<Json>('/v1/agents', { name: 'openai-agent', providerId: openaiProvider.body.id, model: 'fast' });
    agentKey = (await admin.post<Json>('/v1/keys', { name: 'agent', role: 'agent', agentId: agent.body.id })).body.key as string;

    const anthropicProvider = await admin.post<Json>('/v1/providers', {
      name: 'mock-anthropic',
      type: 'custom',
      endpoint: `${mock.baseUrl}/v1`,
      protocol: 'anthropic_messages',
      authMethod: 'x_api_key',
      apiKey: UPSTREAM_KEY,
    });
    expect(anthropicProvider.status).toBe(201);
    await admin.post(`/v1/providers/${anthropicProvider.body.id}/models`, { name: 'claude-fast', upstreamModel: 'claude-mock' });
    const claudeAgent = await admin.post<Json>('/v1/agents', { name: 'claude-agent', providerId: anthropicProvider.body.id });
    anthropicAgentKey = (await admin.post<Json>('/v1/keys', { name: 'c', role: 'agent', agentId: claudeAgent.body.id })).body.key as string;
  });

  afterAll(async () => {
    await stack?.stop();
    if (stack) await deleteEventsStream(stack.names);
    await mock?.stop();
  });

  const openai = (key = agentKey, gateway = stack.gatewayUrl) => new OpenAI({ apiKey: key, baseURL: `${gateway}/v1`, maxRetries: 0 });

  it('serves the official openai client, plain and streamed, chat and responses', async () => {
    const chat = await openai().chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 });
    expect(chat.choices[0].message.content).toEqual(expect.any(String));
    expect(chat.usage).toMatchObject({ completion_tokens: 8 });
    const forwarded = mock.calls().at(-1);
    expect(forwarded?.model).toBe('gpt-mock');
    expect(forwarded?.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);

    const stream = await openai().chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text.length).toBeGreaterThan(0);

    const response = await openai().responses.create({ model: 'fast', input: 'hi', max_output_tokens: 16 });
    expect(response.usage?.output_tokens).toBe(16);
    const streamed = openai().responses.stream({ model: 'fast', input: 'hi' });
    const final = await streamed.finalResponse();
    expect(final.status).toBe('completed');
  });

  it('serves the official anthropic client, plain and streamed', async () => {
    const client = new Anthropic({ apiKey: anthropicAgentKey, baseURL: stack.gatewayUrl, maxRetries: 0 });
    const message = await client.messages.create({ model: 'claude-fast', max_tokens: 12, messages: [{ role: 'user', content: 'hi' }] });
    expect(message.usage.output_tokens).toBe(12);
    expect(mock.calls().at(-1)?.headers['x-api-key']).toBe(UPSTREAM_KEY);
    const stream = client.messages.stream({ model: 'claude-fast', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    const final = await stream.finalMessage();
    expect(final.usage.output_tokens).toBe(10);
  });

  it('raises the clients typed errors: 401, 404, upstream 401', async () => {
    await expect(openai('sbk_wrong').chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(
      OpenAI.AuthenticationError,
    );
    await expect(openai().chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(
      OpenAI.NotFoundError,
    );
    mock.configure({ fault: { kind: 'status', status: 401 }, faultCount: 1 });
    const upstream401 = openai().chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'x' }] });
    await expect(upstream401).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(upstream401).rejects.toThrow(/Invalid API Key/);
  });

  it('delivers the first streamed chunk before the upstream has finished', async () => {
    mock.configure({ chunks: 5, interChunkDelayMs: 300 });
    try {
      const started = Date.now();
      const stream = await openai().chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'slow' }], stream: true });
      let firstAt = 0;
      for await (const chunk of stream) {
        if (!firstAt && chunk.choices[0]?.delta?.content) firstAt = Date.now() - started;
      }
      const total = Date.now() - started;
      expect(total).toBeGreaterThanOrEqual(1200);
      expect(firstAt).toBeLessThan(total - 900);
    } finally {
      mock.configure({ chunks: 4, interChunkDelayMs: 0 });
    }
  });

  it('forwards exactly k of N calls in a minute across both gateways (rateLimitRpm k)', async () => {
    const limited = await admin.post<Json>('/v1/providers', {
      name: 'limited',
      type: 'custom',
      endpoint: `${mock.baseUrl}/v1`,
      apiKey: UPSTREAM_KEY,
      rateLimitRpm: 5,
    });
    await admin.post(`/v1/providers/${limited.body.id}/models`, { name: 'm', upstreamModel: 'gpt-mock' });
    const agent = await admin.post<Json>('/v1/agents', { name: 'limited-agent', providerId: limited.body.id });
    const key = (await admin.post<Json>('/v1/keys', { name: 'l', role: 'agent', agentId: agent.body.id })).body.key as string;
    // The limit counts per UTC minute: start the burst well inside one window so exactly k pass.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 50_000) await new Promise((r) => setTimeout(r, 60_500 - intoMinute));
    const before = mock.calls().length;
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        openai(key, stack.gatewayUrls[i % 2]).chat.completions.create({ model: 'm', messages: [{ role: 'user', content: `n${i}` }] }),
      ),
    );
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    const limitedErrors = results.filter((r) => r.status === 'rejected' && r.reason instanceof OpenAI.RateLimitError);
    expect(mock.calls().length - before).toBe(5);
    expect(ok).toBe(5);
    expect(limitedErrors.length).toBe(20 - ok);
    const raw = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'again' }] }),
    });
    if (raw.status === 429) expect(Number(raw.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('counts blocks of slots ahead far from the limit and still forwards exactly k, one by one across both gateways', async () => {
    const k = 300;
    const limited = await admin.post<Json>('/v1/providers', {
      name: 'limited-blocks',
      type: 'custom',
      endpoint: `${mock.baseUrl}/v1`,
      apiKey: UPSTREAM_KEY,
      rateLimitRpm: k,
    });
    await admin.post(`/v1/providers/${limited.body.id}/models`, { name: 'm', upstreamModel: 'gpt-mock' });
    const agent = await admin.post<Json>('/v1/agents', { name: 'blocks-agent', providerId: limited.body.id });
    const key = (await admin.post<Json>('/v1/keys', { name: 'b', role: 'agent', agentId: agent.body.id })).body.key as string;
    const call = (i: number) =>
      fetch(`${stack.gatewayUrls[i % 2]}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: `b${i}` }], max_tokens: 2 }),
      }).then((r) => r.status);
    // Well inside one UTC minute, so that the whole run counts in one window.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 40_000) await new Promise((r) => setTimeout(r, 60_500 - intoMinute));
    const before = mock.calls().length;
    // A burst first (blocks are claimed and used), then one by one to past the limit.
    const burst = await Promise.all(Array.from({ length: 100 }, (_, i) => call(i)));
    const statuses = [...burst];
    for (let i = 0; i < k - 100 + 5; i++) statuses.push(await call(i));
    expect(statuses.filter((s) => s === 200)).toHaveLength(k);
    expect(statuses.filter((s) => s === 429)).toHaveLength(5);
    expect(mock.calls().length - before).toBe(k);
  });

  it('counts aborted streams with what was used: upstream cut midway, client gone midway', async () => {
    const provider = await admin.post<Json>('/v1/providers', {
      name: 'abortable',
      type: 'custom',
      endpoint: `${mock.baseUrl}/v1`,
      protocol: 'anthropic_messages',
      authMethod: 'x_api_key',
      apiKey: UPSTREAM_KEY,
    });
    await admin.post(`/v1/providers/${provider.body.id}/models`, { name: 'claude-cut', upstreamModel: 'claude-mock' });
    const agent = await admin.post<Json>('/v1/agents', { name: 'abort-agent', providerId: provider.body.id });
    const key = (await admin.post<Json>('/v1/keys', { name: 'ab', role: 'agent', agentId: agent.body.id })).body.key as string;
    const client = new Anthropic({ apiKey: key, baseURL: stack.gatewayUrl, maxRetries: 0 });

    mock.configure({ fault: { kind: 'cut', afterChunks: 2 }, faultCount: 1 });
    const cut = client.messages.stream({ model: 'claude-cut', max_tokens: 50, messages: [{ role: 'user', content: 'cut me' }] });
    await expect(cut.finalMessage()).rejects.toThrow();
    const cutCall = mock.calls().at(-1);
    expect(cutCall?.fault).toBe('cut');

    mock.configure({ chunks: 6, interChunkDelayMs: 200 });
    try {
      const controller = new AbortController();
      const gone = client.messages.stream(
        { model: 'claude-cut', max_tokens: 40, messages: [{ role: 'user', content: 'leave early' }] },
        { signal: controller.signal },
      );
      gone.on('text', () => controller.abort());
      await expect(gone.finalMessage()).rejects.toThrow();
    } finally {
      mock.configure({ chunks: 4, interChunkDelayMs: 0 });
    }
    const goneCall = mock.calls().at(-1);

    const events = await eventually(
      () => readStreamMessages(stack.names, stack.names.event(tenantId, 'usage.recorded')),
      (msgs) => msgs.filter((m) => m.data.agentId === agent.body.id).length >= 2,
      15_000,
    );
    const mine = events.filter((m) => m.data.agentId === agent.body.id);
    expect(mine).toHaveLength(2);
    // Anthropic reports input tokens in message_start, before any cut: they must be counted.
    for (const [event, call] of [
      [mine[0], cutCall],
      [mine[1], goneCall],
    ] as const) {
      expect(event.data.stream).toBe(true);
      expect(event.data.errorKind).toEqual(expect.any(String));
      expect(event.data.inputTokens).toBe(call?.usage?.inputTokens ?? 0);
      expect(event.data.inputTokens).toBeGreaterThan(0);
    }
  });

  it('records one usage event per call with the tokens the upstream reported', async () => {
    const events = await eventually(
      () => readStreamMessages(stack.names, stack.names.event(tenantId, 'usage.recorded')),
      (msgs) => msgs.length >= mock.calls().filter((c) => c.endpoint !== 'models').length,
      15_000,
    );
    const forwarded = mock.calls().filter((c) => c.endpoint !== 'models' && c.usage);
    for (const call of forwarded) {
      // A stream cut before its last usage report is estimated: the input reported is kept, output only grows.
      const match = events.find(
        (e) =>
          e.data.inputTokens === call.usage?.inputTokens &&
          (e.data.usageSource === 'estimated'
            ? (e.data.outputTokens as number) >= (call.usage?.outputTokens ?? 0)
            : e.data.outputTokens === call.usage?.outputTokens),
      );
      expect(match).toBeDefined();
    }
    for (const e of events) {
      expect(e.msgId).toBe(e.data.requestId);
      expect(e.data).toMatchObject({ type: 'usage.recorded', tenantId, agentId: expect.any(String), status: expect.any(Number) });
    }
    expect(new Set(events.map((e) => e.data.requestId)).size).toBe(events.length);
  });
});
