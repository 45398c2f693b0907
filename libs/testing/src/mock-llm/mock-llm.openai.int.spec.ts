import OpenAI from 'openai';
import { MockLlmUpstream } from './mock-llm.server.js';
import { DEFAULT_MOCK_LLM_OPTIONS } from './mock-llm.types.js';
import { estimateInputTokens } from './mock-llm.usage.js';

const KEY = 'sk-test-openai-0001';
const messages = [{ role: 'user' as const, content: 'Say hello' }];
const reply = DEFAULT_MOCK_LLM_OPTIONS.reply;

describe('MockLlmUpstream with the official openai client', () => {
  let mock: MockLlmUpstream;
  let client: OpenAI;

  beforeAll(async () => {
    mock = await new MockLlmUpstream({ requiredKey: KEY }).start();
    client = new OpenAI({ apiKey: KEY, baseURL: `${mock.baseUrl}/v1`, maxRetries: 0 });
  });

  afterAll(() => mock.stop());

  beforeEach(() => {
    mock.resetCalls();
    mock.configure({ ...DEFAULT_MOCK_LLM_OPTIONS, requiredKey: KEY });
  });

  it('answers a chat completion, reporting the request maximum as its output tokens', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-x', messages, max_completion_tokens: 12 });
    const input = estimateInputTokens('chat_completions', { messages });
    expect(completion.choices[0]?.message.content).toBe(reply);
    expect(completion.usage).toMatchObject({ prompt_tokens: input, completion_tokens: 12, total_tokens: input + 12, prompt_tokens_details: { cached_tokens: 0 } });
    const [call] = mock.calls();
    expect(call).toMatchObject({ protocol: 'openai', endpoint: 'chat_completions', model: 'gpt-x', stream: false, status: 200 });
    expect(call?.headers['authorization']).toBe(`Bearer ${KEY}`);
    expect(call?.usage).toEqual({ inputTokens: input, outputTokens: 12, cachedTokens: 0 });
  });

  it('reports configured input and cached tokens, and the default output without a maximum', async () => {
    mock.configure({ inputTokens: 1000, cachedTokens: 600, outputTokens: 33 });
    const completion = await client.chat.completions.create({ model: 'gpt-x', messages });
    expect(completion.usage).toMatchObject({ prompt_tokens: 1000, completion_tokens: 33, prompt_tokens_details: { cached_tokens: 600 } });
  });

  it('streams a chat completion in the configured number of chunks, without usage unless asked', async () => {
    mock.configure({ chunks: 5 });
    const stream = await client.chat.completions.create({ model: 'gpt-x', messages, stream: true });
    const pieces: string[] = [];
    for await (const chunk of stream) {
      expect(chunk.usage ?? null).toBeNull();
      const content = chunk.choices[0]?.delta.content;
      if (content) pieces.push(content);
    }
    expect(pieces).toHaveLength(5);
    expect(pieces.join('')).toBe(reply);
    expect(mock.calls()[0]).toMatchObject({ stream: true, status: 200, usage: null });
  });

  it('ends a stream with a usage-only chunk when include_usage is set', async () => {
    mock.configure({ cachedTokens: 4, inputTokens: 50 });
    const stream = await client.chat.completions.create({
      model: 'gpt-x', messages, stream: true, stream_options: { include_usage: true }, max_tokens: 9,
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const last = chunks[chunks.length - 1];
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toMatchObject({ prompt_tokens: 50, completion_tokens: 9, prompt_tokens_details: { cached_tokens: 4 } });
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    expect(mock.calls()[0]?.usage).toEqual({ inputTokens: 50, outputTokens: 9, cachedTokens: 4 });
  });

  it('lets the chat stream helper rebuild the completion', async () => {
    const runner = client.chat.completions.stream({ model: 'gpt-x', messages, stream_options: { include_usage: true } });
    const completion = await runner.finalChatCompletion();
    expect(completion.choices[0]?.message.content).toBe(reply);
    expect(completion.usage?.completion_tokens).toBe(DEFAULT_MOCK_LLM_OPTIONS.outputTokens);
  });

  it('answers a response with usage and cached tokens', async () => {
    mock.configure({ inputTokens: 80, cachedTokens: 30 });
    const response = await client.responses.create({ model: 'gpt-r', input: 'hello', max_output_tokens: 21 });
    expect(response.output_text).toBe(reply);
    expect(response.status).toBe('completed');
    expect(response.usage).toMatchObject({ input_tokens: 80, output_tokens: 21, total_tokens: 101, input_tokens_details: { cached_tokens: 30 } });
    expect(mock.calls()[0]).toMatchObject({ endpoint: 'responses', usage: { inputTokens: 80, outputTokens: 21, cachedTokens: 30 } });
  });

  it('streams a response as the documented event sequence, usage on response.completed', async () => {
    const stream = await client.responses.create({ model: 'gpt-r', input: 'hello', stream: true, max_output_tokens: 7 });
    const types: string[] = [];
    let text = '';
    let usage: OpenAI.Responses.ResponseUsage | undefined;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') usage = event.response.usage;
    }
    expect(types[0]).toBe('response.created');
    expect(types.slice(1, 4)).toEqual(['response.in_progress', 'response.output_item.added', 'response.content_part.added']);
    expect(types.filter((t) => t === 'response.output_text.delta')).toHaveLength(DEFAULT_MOCK_LLM_OPTIONS.chunks);
    expect(types[types.length - 1]).toBe('response.completed');
    expect(text).toBe(reply);
    expect(usage).toMatchObject({ output_tokens: 7 });
  });

  it('lets client.responses.stream rebuild the final response', async () => {
    const runner = client.responses.stream({ model: 'gpt-r', input: [{ role: 'user', content: 'hello' }] });
    const deltas: string[] = [];
    runner.on('response.output_text.delta', (event) => deltas.push(event.delta));
    const final = await runner.finalResponse();
    // The stream path leaves out the SDK's output_text convenience: read the rebuilt message itself.
    expect(final.output).toEqual([expect.objectContaining({ type: 'message', content: [expect.objectContaining({ type: 'output_text', text: reply })] })]);
    expect(deltas.join('')).toBe(reply);
    expect(final.usage?.output_tokens).toBe(DEFAULT_MOCK_LLM_OPTIONS.outputTokens);
  });

  it('lists models in the OpenAI shape', async () => {
    mock.configure({ models: ['gpt-a', 'gpt-b'] });
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(['gpt-a', 'gpt-b']);
    expect(mock.calls()[0]).toMatchObject({ protocol: 'openai', endpoint: 'models', method: 'GET' });
  });

  it('waits latencyMs before headers and interChunkDelayMs between chunks', async () => {
    mock.configure({ latencyMs: 120, interChunkDelayMs: 40, chunks: 4 });
    const started = Date.now();
    const stream = await client.chat.completions.create({ model: 'gpt-x', messages, stream: true });
    const headersAt = Date.now() - started;
    for await (const _chunk of stream) void _chunk;
    expect(headersAt).toBeGreaterThanOrEqual(110);
    expect(Date.now() - started).toBeGreaterThanOrEqual(110 + 3 * 40 - 10);
  });
});
