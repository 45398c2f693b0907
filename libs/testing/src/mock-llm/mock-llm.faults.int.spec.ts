import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { MockLlmUpstream } from './mock-llm.server.js';
import { DEFAULT_MOCK_LLM_OPTIONS } from './mock-llm.types.js';

const KEY = 'sk-fault-test-0001';
const messages = [{ role: 'user' as const, content: 'hello' }];

describe('MockLlmUpstream faults, as the official clients see them', () => {
  let mock: MockLlmUpstream;
  let openai: OpenAI;
  let anthropic: Anthropic;

  beforeAll(async () => {
    mock = await new MockLlmUpstream().start();
    openai = new OpenAI({ apiKey: KEY, baseURL: `${mock.baseUrl}/v1`, maxRetries: 0, timeout: 2_000 });
    anthropic = new Anthropic({ apiKey: KEY, baseURL: mock.baseUrl, maxRetries: 0, timeout: 2_000 });
  });

  afterAll(() => mock.stop());

  beforeEach(() => {
    mock.resetCalls();
    mock.configure({ ...DEFAULT_MOCK_LLM_OPTIONS, requiredKey: KEY });
  });

  const chat = (client = openai) => client.chat.completions.create({ model: 'gpt-x', messages });
  const message = (client = anthropic) => client.messages.create({ model: 'claude-x', max_tokens: 8, messages });

  it('raises AuthenticationError for a wrong key, in each protocol error shape', async () => {
    const wrongOpenAi = new OpenAI({ apiKey: 'sk-wrong-key-9999', baseURL: `${mock.baseUrl}/v1`, maxRetries: 0 });
    const openAiError = await chat(wrongOpenAi).catch((e: unknown) => e);
    expect(openAiError).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(openAiError).toMatchObject({ status: 401, code: 'invalid_api_key', error: { type: 'invalid_request_error' } });
    expect((openAiError as Error).message).toContain('sk-***9999');

    const wrongAnthropic = new Anthropic({ apiKey: 'sk-wrong', baseURL: mock.baseUrl, maxRetries: 0 });
    const anthropicError = await message(wrongAnthropic).catch((e: unknown) => e);
    expect(anthropicError).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(anthropicError).toMatchObject({ status: 401, error: { type: 'error', error: { type: 'authentication_error' } } });
    expect(mock.calls().map((c) => c.status)).toEqual([401, 401]);
    expect(mock.calls().map((c) => c.usage)).toEqual([null, null]);
  });

  it.each([
    [401, OpenAI.AuthenticationError, Anthropic.AuthenticationError],
    [429, OpenAI.RateLimitError, Anthropic.RateLimitError],
    [500, OpenAI.InternalServerError, Anthropic.InternalServerError],
    [503, OpenAI.InternalServerError, Anthropic.InternalServerError],
  ] as const)('turns a status %i fault into the typed errors of both clients', async (status, OpenAiType, AnthropicType) => {
    mock.configure({ fault: { kind: 'status', status } });
    await expect(chat()).rejects.toBeInstanceOf(OpenAiType);
    await expect(message()).rejects.toBeInstanceOf(AnthropicType);
    await expect(openai.models.list()).rejects.toMatchObject({ status });
    expect(mock.calls().map((c) => [c.fault, c.status])).toEqual([['status', status], ['status', status], ['status', status]]);
  });

  it('sends Retry-After with a 429 and applies a counted fault to the next calls only', async () => {
    mock.configure({ fault: { kind: 'status', status: 429, retryAfter: 7 }, faultCount: 2 });
    const first = await chat().catch((e: unknown) => e);
    expect(first).toBeInstanceOf(OpenAI.RateLimitError);
    expect((first as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('7');
    await expect(message()).rejects.toMatchObject({ status: 429, error: { error: { type: 'rate_limit_error' } } });
    await expect(chat()).resolves.toMatchObject({ object: 'chat.completion' });
    expect(mock.calls().map((c) => c.status)).toEqual([429, 429, 200]);
  });

  it('never answers under a timeout fault, so the client times out', async () => {
    mock.configure({ fault: { kind: 'timeout' } });
    const fast = new OpenAI({ apiKey: KEY, baseURL: `${mock.baseUrl}/v1`, maxRetries: 0, timeout: 300 });
    const started = Date.now();
    // APIConnectionTimeoutError outside Jest; inside, the SDK's `instanceof Error` fails on Node's
    // AbortError from another realm and it reports the parent class. Both are connection errors.
    await expect(chat(fast)).rejects.toBeInstanceOf(OpenAI.APIConnectionError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(mock.calls()[0]).toMatchObject({ fault: 'timeout', status: null, usage: null });
  });

  it('cuts an OpenAI chat stream after n chunks: the client errors, and no usage was reported', async () => {
    mock.configure({ fault: { kind: 'cut', afterChunks: 2 }, chunks: 4 });
    const stream = await openai.chat.completions.create({ model: 'gpt-x', messages, stream: true, stream_options: { include_usage: true } });
    const pieces: string[] = [];
    const consume = async () => {
      for await (const chunk of stream) if (chunk.choices[0]?.delta.content) pieces.push(chunk.choices[0].delta.content);
    };
    await expect(consume()).rejects.toThrow();
    expect(pieces).toHaveLength(2);
    expect(mock.calls()[0]).toMatchObject({ fault: 'cut', status: 200, usage: null });
  });

  it('cuts a responses stream: the stream helper rejects', async () => {
    mock.configure({ fault: { kind: 'cut', afterChunks: 1 } });
    await expect(openai.responses.stream({ model: 'gpt-r', input: 'hi' }).finalResponse()).rejects.toThrow();
    expect(mock.calls()[0]?.usage).toBeNull();
  });

  it('cuts an Anthropic stream: the client errors, and the usage of message_start is what was reported', async () => {
    mock.configure({ fault: { kind: 'cut', afterChunks: 1 }, inputTokens: 90, cachedTokens: 20 });
    await expect(anthropic.messages.stream({ model: 'claude-x', max_tokens: 50, messages }).finalMessage()).rejects.toThrow();
    expect(mock.calls()[0]?.usage).toEqual({ inputTokens: 90, outputTokens: 1, cachedTokens: 20 });
  });

  it('cuts a non-streamed answer halfway through its body', async () => {
    mock.configure({ fault: { kind: 'cut', afterChunks: 0 } });
    await expect(chat()).rejects.toThrow();
    await expect(message()).rejects.toThrow();
    expect(mock.calls().map((c) => c.usage)).toEqual([null, null]);
  });

  it('refuses unknown models with 404 when asked to, as the real APIs do', async () => {
    mock.configure({ rejectUnknownModels: true, models: ['gpt-x'] });
    await expect(chat()).resolves.toMatchObject({ model: 'gpt-x' });
    await expect(openai.chat.completions.create({ model: 'gpt-nope', messages })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(message()).rejects.toBeInstanceOf(Anthropic.NotFoundError);
  });
});
