import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { ApiClient, MockLlmUpstream, Stack, eventually, readStreamMessages } from '@switchboard/testing';
import { startMockTenantStack, stopMockTenantStack, type MockTenantStack } from './fixtures/mock-tenant-stack.js';

type Json = Record<string, unknown>;
const WORDS = Array.from({ length: 20 }, (_, i) => `word${i + 1}`);
/** $1,000 per million tokens both ways: a token is a tenth of a cent, so a few calls fill a small budget. */
const PRICES = { inputUsdPerMTok: 1000, outputUsdPerMTok: 1000 };

/**
 * Calls the upstream accepted but did not report in full (the client left, the stream was cut, the upstream died)
 * are never recorded as free: their usage is estimated with the model family's tokenizer, output never below
 * what was relayed, and budgets settle at that estimate.
 */
describe('usage that the upstream did not report is estimated, never zero', () => {
  let mock: MockLlmUpstream;
  let stack: Stack;
  let admin: ApiClient;
  let tenantId: string;

  let started: MockTenantStack | undefined;

  beforeAll(async () => {
    started = await startMockTenantStack('estimates');
    ({ mock, stack, admin, tenantId } = started);
  });

  afterAll(() => stopMockTenantStack(started));

  beforeEach(() => mock.configure({ chunks: WORDS.length, reply: WORDS.join(' '), interChunkDelayMs: 40, latencyMs: 0, fault: null }));

  async function route(name: string, protocol: 'openai' | 'anthropic_messages', monthlyBudgetUsd: number | null = 1_000, prices: Json = PRICES) {
    const provider = await admin.post<Json>('/v1/providers', {
      name,
      type: 'custom',
      endpoint: `${mock.baseUrl}/v1`,
      ...(protocol === 'openai' ? {} : { protocol, authMethod: 'x_api_key' }),
      apiKey: `sk-${name}-0123456789`,
      monthlyBudgetUsd,
    });
    expect(provider.status).toBe(201);
    const providerId = provider.body.id as string;
    await admin.post(`/v1/providers/${providerId}/models`, { name: 'metered', upstreamModel: protocol === 'openai' ? 'gpt-mock' : 'claude-mock', ...prices });
    const agent = await admin.post<Json>('/v1/agents', { name: `${name}-agent`, providerId });
    const key = (await admin.post<Json>('/v1/keys', { name: `${name}-key`, role: 'agent', agentId: agent.body.id })).body.key as string;
    return { providerId, key };
  }

  const PATHS = { chat: '/v1/chat/completions', responses: '/v1/responses', messages: '/v1/messages' } as const;
  type Api = keyof typeof PATHS;

  function requestBody(api: Api, extra: Json = {}): Json {
    const prompt = 'Please list twenty words, one after the other, with nothing else.';
    if (api === 'responses') return { model: 'metered', input: prompt, max_output_tokens: 64, ...extra };
    return { model: 'metered', max_tokens: 64, messages: [{ role: 'user', content: prompt }], ...extra };
  }

  /** Text the generated deltas of an SSE body carry, in any of the three protocols. */
  function relayedText(sse: string): string {
    let text = '';
    for (const line of sse.split('\n')) {
      if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
      try {
        const data = JSON.parse(line.slice(6)) as Json;
        const choice = (data['choices'] as Json[] | undefined)?.[0];
        text += ((choice?.['delta'] as Json | undefined)?.['content'] as string | undefined) ?? '';
        if (typeof data['type'] === 'string' && (data['type'] as string).endsWith('.delta') && typeof data['delta'] === 'string') text += data['delta'];
        text += ((data['delta'] as Json | undefined)?.['text'] as string | undefined) ?? '';
      } catch {
        // a torn last line
      }
    }
    return text;
  }

  /** Streams a call and, unless `stay`, leaves once `events` data events have arrived. */
  async function streamAndLeave(api: Api, key: string, events: number | null): Promise<{ requestId: string; text: string }> {
    const abort = new AbortController();
    const response = await fetch(`${stack.gatewayUrl}${PATHS[api]}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(requestBody(api, { stream: true })),
      signal: abort.signal,
    });
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id') ?? '';
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let sse = '';
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) break;
      sse += decoder.decode(value, { stream: true });
      if (events !== null && (sse.match(/^data: /gm) ?? []).length >= events) {
        abort.abort();
        await reader.cancel().catch(() => undefined);
        break;
      }
    }
    return { requestId, text: relayedText(sse) };
  }

  async function usageOf(requestId: string): Promise<Json> {
    const found = await eventually(
      async () => (await readStreamMessages(stack.names, stack.names.event(tenantId, 'usage.recorded'))).find((m) => m.data['requestId'] === requestId),
      (message) => message !== undefined,
      15_000,
    );
    return found?.data ?? {};
  }

  /** Never free: estimated, some input, at least the relayed output, a cost, and the budget's spend includes it. */
  async function expectEstimated(requestId: string, relayed: string, providerId: string): Promise<Json> {
    const usage = await usageOf(requestId);
    expect(usage).toMatchObject({ usageSource: 'estimated' });
    expect(usage['inputTokens']).toBeGreaterThan(0);
    expect(usage['outputTokens']).toBeGreaterThanOrEqual(countTokens(relayed));
    expect(usage['costUsd']).toBeGreaterThan(0);
    const budget = await eventually(
      async () => (await admin.get<Json>(`/v1/providers/${providerId}/budget`)).body,
      (b) => b['reservedUsd'] === 0 && (b['spentUsd'] as number) > 0,
      15_000,
    );
    expect(budget['spentUsd']).toBeGreaterThanOrEqual(usage['costUsd'] as number);
    return usage;
  }

  it.each([
    ['chat', 'openai'],
    ['responses', 'openai'],
    ['messages', 'anthropic_messages'],
  ] as const)('a %s client that reads part of the stream and leaves is charged an estimate', async (api, protocol) => {
    const { providerId, key } = await route(`leave-${api}`, protocol);
    const { requestId, text } = await streamAndLeave(api, key, 6);
    expect(text.length).toBeGreaterThan(0);
    const usage = await expectEstimated(requestId, text, providerId);
    expect(usage).toMatchObject({ status: 200, errorKind: 'client_closed' });
    if (protocol === 'anthropic_messages') {
      // Anthropic reported its input at message_start: that figure is kept, not re-counted.
      const upstream = mock.calls().filter((c) => c.endpoint === 'messages').at(-1);
      expect(usage['inputTokens']).toBe(upstream?.usage?.inputTokens);
    }
  });

  it.each([
    ['cuts a stream midway', 8],
    ['dies after the first chunk', 1],
  ])('an upstream that %s leaves an estimate', async (_what, afterChunks) => {
    const { providerId, key } = await route(`cut-${afterChunks}`, 'openai');
    mock.configure({ fault: { kind: 'cut', afterChunks }, faultCount: 1 });
    const { requestId, text } = await streamAndLeave('chat', key, null);
    const usage = await expectEstimated(requestId, text, providerId);
    expect(usage['errorKind']).toMatch(/^upstream_/);
  });

  it('a client that leaves while a non-streamed answer is generated is charged the output it asked for', async () => {
    const { providerId, key } = await route('leave-whole', 'openai');
    mock.configure({ latencyMs: 1_000 });
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 300);
    const sent = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(requestBody('chat')),
      signal: abort.signal,
    }).catch(() => null);
    expect(sent).toBeNull();
    const usage = await eventually(
      async () => (await readStreamMessages(stack.names, stack.names.event(tenantId, 'usage.recorded'))).map((m) => m.data).find((d) => d['providerId'] === providerId),
      (found) => found !== undefined,
      15_000,
    );
    // The upstream had the request: a non-streamed answer is generated before its headers, and billed up to its bound.
    expect(usage).toMatchObject({ errorKind: 'client_closed', status: 499, usageSource: 'estimated', outputTokens: 64 });
    expect(usage?.['inputTokens']).toBeGreaterThan(0);
    expect(usage?.['costUsd']).toBeGreaterThan(0);
  });

  it('holds a budget against callers that always leave before the usage chunk', async () => {
    const limitUsd = 0.5;
    const { providerId, key } = await route('leavers', 'openai', limitUsd);
    const statuses: number[] = [];
    for (let i = 0; i < 60 && !statuses.includes(429); i++) {
      const response = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(requestBody('chat', { stream: true })),
      });
      statuses.push(response.status);
      if (response.status !== 200) continue;
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      await reader.read();
      await reader.cancel();
      // Settled before the next call, as a patient attacker would wait for.
      await eventually(
        async () => (await admin.get<Json>(`/v1/providers/${providerId}/budget`)).body,
        (b) => b['reservedUsd'] === 0,
        15_000,
      );
    }
    expect(statuses).toContain(429);
    const budget = (await admin.get<Json>(`/v1/providers/${providerId}/budget`)).body;
    expect(budget['spentUsd']).toBeGreaterThan(0);
    expect(budget['spentUsd']).toBeLessThanOrEqual(limitUsd);
  }, 120_000);

  it('reserves every choice a call asks for, and refuses what a budget cannot bound', async () => {
    // Output only is priced, so one 64-token call's worst case is exactly $0.064 and the budget holds eight of them.
    const single = (64 * 1000) / 1_000_000;
    const { key } = await route('choices', 'openai', 8 * single, { inputUsdPerMTok: 0, outputUsdPerMTok: 1000 });
    const call = (body: Json, path = '/v1/chat/completions') =>
      fetch(`${stack.gatewayUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const eight = requestBody('chat', { n: 8 });
    expect((await call(eight)).status).toBe(200);
    // Eight choices were reserved, not one: the next such call no longer fits, though only one choice's cost was spent.
    const second = await call(eight);
    expect(second.status).toBe(429);
    expect(await second.json()).toMatchObject({ error: { code: 'budget_exceeded' } });

    const history = await call({ model: 'metered', input: 'go on', previous_response_id: 'resp_123', max_output_tokens: 8 }, '/v1/responses');
    expect(history.status).toBe(400);
    expect(await history.json()).toMatchObject({ error: { param: 'previous_response_id', message: expect.stringContaining('previous_response_id') } });
    const searching = await call({ model: 'metered', input: 'look it up', tools: [{ type: 'web_search' }], max_output_tokens: 8 }, '/v1/responses');
    expect(searching.status).toBe(400);
    expect(await searching.json()).toMatchObject({ error: { message: expect.stringContaining('web_search') } });
  });

  it("admits history stored at the provider and priced tools within the tenant's bounds, and charges the tool calls reported", async () => {
    // PRICES: a token costs a tenth of a cent, so a bound of 1,000 history tokens adds $1 to a call's worst case.
    const { providerId, key } = await route('bounded', 'openai', 0.5);
    const call = (body: Json) =>
      fetch(`${stack.gatewayUrl}/v1/responses`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const statusOf = async (body: Json) => (await call(body)).status;
    const history = { model: 'metered', input: 'go on', previous_response_id: 'resp_123', max_output_tokens: 8 };
    const bound = async (changes: Json) => expect((await admin.patch<Json>('/v1/settings', changes)).body).toMatchObject(changes);

    await bound({ serverHistoryTokens: 1_000 });
    // Reserved with its bound, the call no longer fits a $0.50 budget; with a smaller bound it does.
    expect(await eventually(() => statusOf(history), (status) => status === 429, 10_000)).toBe(429);
    await bound({ serverHistoryTokens: 100 });
    expect(await eventually(() => statusOf(history), (status) => status === 200, 10_000)).toBe(200);

    const searching = { model: 'metered', input: 'look it up', tools: [{ type: 'web_search' }], max_output_tokens: 8 };
    await bound({ serverToolCallUsd: 0.05 });
    const uncapped = await eventually(
      async () => (await (await call(searching)).json()) as { error?: { param?: string; message?: string } },
      (answer) => answer.error?.message?.includes('max_tool_calls') === true,
      10_000,
    );
    expect(uncapped).toMatchObject({ error: { param: 'tools', message: expect.stringContaining('max_tool_calls') } });
    // Ten searches at $0.05 would not fit what is left of the budget; two do.
    expect(await statusOf({ ...searching, max_tool_calls: 10 })).toBe(429);
    mock.configure({ serverToolCalls: 2 });
    try {
      const capped = await call({ ...searching, max_tool_calls: 2 });
      expect(capped.status).toBe(200);
      const usage = await usageOf(capped.headers.get('x-request-id') ?? '');
      const tokensUsd = ((usage['inputTokens'] as number) + (usage['outputTokens'] as number)) / 1000;
      expect(usage).toMatchObject({ usageSource: 'upstream', serverToolCalls: 2 });
      expect(usage['costUsd']).toBeCloseTo(tokensUsd + 2 * 0.05, 9);
      const budget = await eventually(async () => (await admin.get<Json>(`/v1/providers/${providerId}/budget`)).body, (b) => b['reservedUsd'] === 0, 15_000);
      expect(budget['spentUsd']).toBeGreaterThanOrEqual(usage['costUsd'] as number);
    } finally {
      mock.configure({ serverToolCalls: 0 });
      await bound({ serverHistoryTokens: null, serverToolCallUsd: null });
    }
  });
});
