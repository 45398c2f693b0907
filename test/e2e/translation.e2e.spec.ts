import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { ApiClient, eventually, readStreamMessages, type MockCall, type MockLlmUpstream, type Stack } from '@switchboard/testing';
import { startMockTenantStack, stopMockTenantStack, type MockTenantStack } from './fixtures/mock-tenant-stack.js';

type Json = Record<string, unknown>;
const REPLY = 'Hello from the mock upstream.';
/** A 1×1 PNG. */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const WEATHER_SCHEMA = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };

/**
 * Clients of either protocol family on a provider of the other, through the whole stack: the official SDKs parse
 * every translated answer, the mock upstream gets a valid body in its own dialect, and the recorded usage is what
 * the upstream reported.
 */
describe('protocol translation on the real stack (official SDKs, mock upstream)', () => {
  let started: MockTenantStack | undefined;
  let mock: MockLlmUpstream;
  let stack: Stack;
  let admin: ApiClient;
  let tenantId: string;
  let openai: OpenAI;
  let anthropic: Anthropic;
  /** The gateway's x-request-id of each answer the SDKs got, last one last. */
  const requestIds: string[] = [];
  const tracked: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    requestIds.push(response.headers.get('x-request-id') ?? '');
    return response;
  };

  async function agentKey(name: string, protocol: 'openai' | 'anthropic_messages', model: string, upstreamModel: string): Promise<string> {
    const provider = await admin.post<Json>('/v1/providers', {
      name,
      type: 'custom',
      endpoint: `${mock.baseUrl}/v1`,
      ...(protocol === 'openai' ? {} : { protocol, authMethod: 'x_api_key' }),
      apiKey: `sk-${name}-0123456789`,
    });
    expect(provider.status).toBe(201);
    await admin.post(`/v1/providers/${provider.body['id'] as string}/models`, { name: model, upstreamModel });
    const agent = await admin.post<Json>('/v1/agents', { name: `${name}-agent`, providerId: provider.body['id'] });
    return (await admin.post<Json>('/v1/keys', { name, role: 'agent', agentId: agent.body['id'] })).body['key'] as string;
  }

  beforeAll(async () => {
    started = await startMockTenantStack('translation');
    ({ mock, stack, admin, tenantId } = started);
    const claudeKey = await agentKey('claude', 'anthropic_messages', 'claude-fast', 'claude-mock');
    const gptKey = await agentKey('gpt', 'openai', 'gpt-fast', 'gpt-mock');
    openai = new OpenAI({ apiKey: claudeKey, baseURL: `${stack.gatewayUrl}/v1`, maxRetries: 0, fetch: tracked });
    anthropic = new Anthropic({ apiKey: gptKey, baseURL: stack.gatewayUrl, maxRetries: 0, fetch: tracked });
  });

  afterAll(() => stopMockTenantStack(started));

  beforeEach(() => mock.configure({ reply: REPLY, chunks: 4, inputTokens: null, cachedTokens: 3, fault: null }));

  /** The last upstream call, and the usage event of the last answer: its tokens are the ones the upstream reported. */
  async function lastCall(protocol: 'openai_chat' | 'openai_responses' | 'anthropic_messages'): Promise<MockCall> {
    const call = mock.calls().at(-1);
    const requestId = requestIds.at(-1);
    const event = await eventually(
      async () => (await readStreamMessages(stack.names, stack.names.event(tenantId, 'usage.recorded'))).find((m) => m.data['requestId'] === requestId)?.data,
      (data) => data !== undefined,
      15_000,
    );
    expect(call?.usage).not.toBeNull();
    expect(event).toMatchObject({
      protocol,
      usageSource: 'upstream',
      inputTokens: call?.usage?.inputTokens,
      outputTokens: call?.usage?.outputTokens,
      cachedTokens: call?.usage?.cachedTokens,
    });
    return call as MockCall;
  }

  const bodyOf = (call: MockCall): Json => call.body as Json;

  describe('openai client → anthropic_messages provider', () => {
    it('answers a chat completion with a system prompt; the upstream gets a Messages body', async () => {
      const chat = await openai.chat.completions.create({
        model: 'claude-fast',
        max_tokens: 20,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'hi' },
        ],
      });
      expect(chat.choices[0]?.message.content).toBe(REPLY);
      expect(chat.choices[0]?.finish_reason).toBe('stop');
      expect(chat.model).toBe('claude-fast');
      const call = await lastCall('openai_chat');
      expect(call).toMatchObject({ endpoint: 'messages', model: 'claude-mock' });
      expect(bodyOf(call)).toMatchObject({ system: 'Be brief.', max_tokens: 20, messages: [{ role: 'user' }] });
      expect(chat.usage).toMatchObject({ prompt_tokens: call.usage?.inputTokens, completion_tokens: 20, prompt_tokens_details: { cached_tokens: 3 } });
    });

    it('streams a chat completion with include_usage', async () => {
      const stream = await openai.chat.completions.create({ model: 'claude-fast', max_tokens: 9, messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });
      let text = '';
      let usage: OpenAI.CompletionUsage | null | undefined;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        if (chunk.usage) usage = chunk.usage;
      }
      expect(text).toBe(REPLY);
      const call = await lastCall('openai_chat');
      expect(call.stream).toBe(true);
      expect(usage).toMatchObject({ prompt_tokens: call.usage?.inputTokens, completion_tokens: 9 });

      // Not asked for: no usage chunk reaches the client, and the call is counted all the same.
      const quiet = await openai.chat.completions.create({ model: 'claude-fast', max_tokens: 6, messages: [{ role: 'user', content: 'hi' }], stream: true });
      const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
      for await (const chunk of quiet) chunks.push(chunk);
      expect(chunks.some((chunk) => chunk.usage)).toBe(false);
      expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe(REPLY);
      await lastCall('openai_chat');
    });

    it('carries a tool call round trip and an image part', async () => {
      const tools: OpenAI.Chat.ChatCompletionTool[] = [{ type: 'function', function: { name: 'get_weather', parameters: WEATHER_SCHEMA } }];
      const ask: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'user', content: 'weather in Paris?' }];
      const first = await openai.chat.completions.create({ model: 'claude-fast', max_tokens: 30, messages: ask, tools, tool_choice: 'required' });
      const toolCall = first.choices[0]?.message.tool_calls?.[0];
      expect(first.choices[0]?.finish_reason).toBe('tool_calls');
      expect(toolCall?.type === 'function' ? JSON.parse(toolCall.function.arguments) : null).toEqual({ city: 'mock city' });
      expect(bodyOf(await lastCall('openai_chat'))).toMatchObject({ tools: [{ name: 'get_weather', input_schema: WEATHER_SCHEMA }], tool_choice: { type: 'any' } });
      const streamedCall = await openai.chat.completions.stream({ model: 'claude-fast', max_tokens: 30, messages: ask, tools, tool_choice: 'required' }).finalChatCompletion();
      expect(streamedCall.choices[0]?.finish_reason).toBe('tool_calls');
      expect(streamedCall.choices[0]?.message.tool_calls?.[0]).toMatchObject({ type: 'function', function: { name: 'get_weather', arguments: JSON.stringify({ city: 'mock city' }) } });
      await lastCall('openai_chat');

      const second = await openai.chat.completions.create({
        model: 'claude-fast',
        max_tokens: 30,
        tools,
        messages: [...ask, { role: 'assistant', content: null, tool_calls: first.choices[0]?.message.tool_calls ?? [] }, { role: 'tool', tool_call_id: toolCall?.id ?? '', content: 'sunny' }],
      });
      expect(second.choices[0]?.message.content).toContain('sunny');
      const messages = bodyOf(await lastCall('openai_chat'))['messages'] as Json[];
      expect(messages.at(-1)).toMatchObject({ role: 'user', content: [{ type: 'tool_result', tool_use_id: toolCall?.id }] });

      const image = await openai.chat.completions.create({
        model: 'claude-fast',
        max_tokens: 10,
        messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } }] }],
      });
      expect(image.choices[0]?.message.content).toBe(REPLY);
      const sent = (bodyOf(await lastCall('openai_chat'))['messages'] as Json[])[0];
      expect(sent).toMatchObject({ content: [{ type: 'text' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } }] });
    });

    it('answers the Responses API, plain, streamed and with a function tool', async () => {
      const plain = await openai.responses.create({ model: 'claude-fast', instructions: 'Be brief.', input: 'hi', max_output_tokens: 12 });
      expect(plain.output_text).toBe(REPLY);
      const call = await lastCall('openai_responses');
      expect(bodyOf(call)).toMatchObject({ system: 'Be brief.', max_tokens: 12 });
      expect(plain.usage).toMatchObject({ input_tokens: call.usage?.inputTokens, output_tokens: 12 });

      const stream = openai.responses.stream({ model: 'claude-fast', input: 'hi', max_output_tokens: 7 });
      let deltas = '';
      stream.on('response.output_text.delta', (event) => (deltas += event.delta));
      const streamed = await stream.finalResponse();
      expect(streamed.status).toBe('completed');
      expect(deltas).toBe(REPLY);
      // The stream helper does not add output_text: the final message item carries the text.
      expect(streamed.output).toEqual([expect.objectContaining({ type: 'message', content: [expect.objectContaining({ type: 'output_text', text: REPLY })] })]);
      expect(streamed.usage?.output_tokens).toBe(7);
      await lastCall('openai_responses');

      const tools: OpenAI.Responses.FunctionTool[] = [{ type: 'function', name: 'get_weather', parameters: WEATHER_SCHEMA, strict: false }];
      const asked = await openai.responses.create({ model: 'claude-fast', input: 'call tool get_weather', tools, max_output_tokens: 30 });
      const fc = asked.output.find((item) => item.type === 'function_call');
      expect(fc).toMatchObject({ name: 'get_weather', arguments: JSON.stringify({ city: 'mock city' }) });
      await lastCall('openai_responses');
      const streamedFc = (await openai.responses.stream({ model: 'claude-fast', input: 'weather?', tools, tool_choice: 'required', max_output_tokens: 30 }).finalResponse()).output;
      expect(streamedFc).toEqual([expect.objectContaining({ type: 'function_call', name: 'get_weather', arguments: JSON.stringify({ city: 'mock city' }) })]);
      await lastCall('openai_responses');
      const answered = await openai.responses.create({
        model: 'claude-fast',
        tools,
        max_output_tokens: 30,
        input: [
          { role: 'user', content: 'call tool get_weather' },
          ...(fc?.type === 'function_call' ? [{ type: 'function_call' as const, call_id: fc.call_id, name: fc.name, arguments: fc.arguments }] : []),
          { type: 'function_call_output', call_id: fc?.type === 'function_call' ? fc.call_id : '', output: 'windy' },
        ],
      });
      expect(answered.output_text).toContain('windy');
      await lastCall('openai_responses');
    });

    it('refuses a field Anthropic cannot carry with a 400 naming it', async () => {
      const refused = openai.chat.completions.create({ model: 'claude-fast', max_tokens: 5, n: 2, messages: [{ role: 'user', content: 'x' }] });
      await expect(refused).rejects.toBeInstanceOf(OpenAI.BadRequestError);
      await expect(refused).rejects.toMatchObject({ status: 400, param: 'n', message: expect.stringContaining('n:') });
    });

    it("returns upstream errors in OpenAI's shape, raised as the SDK's typed errors", async () => {
      mock.configure({ fault: { kind: 'status', status: 429, retryAfter: 3 }, faultCount: 1 });
      const limited = openai.chat.completions.create({ model: 'claude-fast', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] });
      await expect(limited).rejects.toBeInstanceOf(OpenAI.RateLimitError);
      await expect(limited).rejects.toThrow(/Rate Limit Exceeded at provider prv_/);
      mock.configure({ fault: { kind: 'status', status: 500 }, faultCount: 1 });
      await expect(openai.chat.completions.create({ model: 'claude-fast', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    });
  });

  it('estimates a translated stream the upstream cut midway, in its dialect, never free', async () => {
    for (const [path, key, body] of [
      ['/v1/chat/completions', openai.apiKey, { model: 'claude-fast', max_tokens: 40, stream: true, messages: [{ role: 'user', content: 'count to ten' }] }],
      ['/v1/messages', anthropic.apiKey, { model: 'gpt-fast', max_tokens: 40, stream: true, messages: [{ role: 'user', content: 'count to ten' }] }],
    ] as const) {
      mock.configure({ chunks: 8, fault: { kind: 'cut', afterChunks: 2 }, faultCount: 1 });
      const response = await fetch(`${stack.gatewayUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      await response.text().catch(() => '');
      const requestId = response.headers.get('x-request-id');
      const event = await eventually(
        async () => (await readStreamMessages(stack.names, stack.names.event(tenantId, 'usage.recorded'))).find((m) => m.data['requestId'] === requestId)?.data,
        (data) => data !== undefined,
        15_000,
      );
      expect(event).toMatchObject({ usageSource: 'estimated', errorKind: expect.stringMatching(/^upstream_/) });
      expect(event?.['inputTokens']).toBeGreaterThan(0);
      expect(event?.['outputTokens']).toBeGreaterThan(0);
    }
  });

  describe('anthropic client → openai provider', () => {
    it('answers a message with a system prompt; the upstream gets a chat body', async () => {
      const message = await anthropic.messages.create({ model: 'gpt-fast', max_tokens: 14, system: 'Be brief.', messages: [{ role: 'user', content: 'hi' }] });
      expect(message.content).toEqual([expect.objectContaining({ type: 'text', text: REPLY })]);
      expect(message.stop_reason).toBe('end_turn');
      const call = await lastCall('anthropic_messages');
      expect(call).toMatchObject({ endpoint: 'chat_completions', model: 'gpt-mock' });
      expect(bodyOf(call)['messages']).toEqual([
        { role: 'system', content: 'Be brief.' },
        expect.objectContaining({ role: 'user' }),
      ]);
      expect(message.usage).toMatchObject({ input_tokens: (call.usage?.inputTokens ?? 0) - 3, cache_read_input_tokens: 3, output_tokens: 14 });
    });

    it('streams a message; the gateway asks the upstream for its usage chunk', async () => {
      const final = await anthropic.messages.stream({ model: 'gpt-fast', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
      expect(final.content).toEqual([expect.objectContaining({ type: 'text', text: REPLY })]);
      expect(final.usage.output_tokens).toBe(8);
      const call = await lastCall('anthropic_messages');
      expect(bodyOf(call)).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    });

    it('carries a tool use round trip and an image block', async () => {
      const tools: Anthropic.Tool[] = [{ name: 'get_weather', input_schema: WEATHER_SCHEMA as Anthropic.Tool.InputSchema }];
      const ask: Anthropic.MessageParam[] = [{ role: 'user', content: 'weather in Paris?' }];
      const first = await anthropic.messages.stream({ model: 'gpt-fast', max_tokens: 30, tools, tool_choice: { type: 'any' }, messages: ask }).finalMessage();
      expect(first.stop_reason).toBe('tool_use');
      const use = first.content.find((block) => block.type === 'tool_use');
      expect(use).toMatchObject({ name: 'get_weather', input: { city: 'mock city' } });
      expect(bodyOf(await lastCall('anthropic_messages'))).toMatchObject({ tool_choice: 'required', tools: [{ type: 'function', function: { name: 'get_weather' } }] });

      const second = await anthropic.messages.create({
        model: 'gpt-fast',
        max_tokens: 30,
        tools,
        messages: [...ask, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use?.type === 'tool_use' ? use.id : '', content: 'cloudy' }] }],
      });
      expect(second.content[0]).toMatchObject({ type: 'text', text: expect.stringContaining('cloudy') });
      const messages = bodyOf(await lastCall('anthropic_messages'))['messages'] as Json[];
      expect(messages.at(-1)).toMatchObject({ role: 'tool', tool_call_id: use?.type === 'tool_use' ? use.id : '' });

      await anthropic.messages.create({
        model: 'gpt-fast',
        max_tokens: 10,
        messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } }, { type: 'text', text: 'what is this?' }] }],
      });
      const sent = (bodyOf(await lastCall('anthropic_messages'))['messages'] as Json[])[0];
      expect(sent).toMatchObject({ content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } }, { type: 'text' }] });
    });

    it('refuses a field OpenAI cannot carry, and returns upstream errors in Anthropic shape', async () => {
      const thinking = { type: 'enabled', budget_tokens: 1024 } as const;
      const refused = anthropic.messages.create({ model: 'gpt-fast', max_tokens: 2048, thinking, messages: [{ role: 'user', content: 'x' }] });
      await expect(refused).rejects.toBeInstanceOf(Anthropic.BadRequestError);
      await expect(refused).rejects.toThrow(/thinking/);
      mock.configure({ fault: { kind: 'status', status: 429 }, faultCount: 1 });
      await expect(anthropic.messages.create({ model: 'gpt-fast', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(Anthropic.RateLimitError);
      mock.configure({ fault: { kind: 'status', status: 500 }, faultCount: 1 });
      const failed = anthropic.messages.create({ model: 'gpt-fast', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] });
      await expect(failed).rejects.toBeInstanceOf(Anthropic.InternalServerError);
      await expect(failed).rejects.toMatchObject({ error: { type: 'error', error: { type: 'api_error' } } });
    });
  });
});
