import Anthropic from '@anthropic-ai/sdk';
import { MockLlmUpstream } from './mock-llm.server.js';
import { DEFAULT_MOCK_LLM_OPTIONS } from './mock-llm.types.js';
import { estimateInputTokens } from './mock-llm.usage.js';

const KEY = 'sk-ant-test-0001';
const messages = [{ role: 'user' as const, content: 'Say hello' }];
const reply = DEFAULT_MOCK_LLM_OPTIONS.reply;

describe('MockLlmUpstream with the official @anthropic-ai/sdk client', () => {
  let mock: MockLlmUpstream;
  let client: Anthropic;

  beforeAll(async () => {
    mock = await new MockLlmUpstream({ requiredKey: KEY }).start();
    client = new Anthropic({ apiKey: KEY, baseURL: mock.baseUrl, maxRetries: 0 });
  });

  afterAll(() => mock.stop());

  beforeEach(() => {
    mock.resetCalls();
    mock.configure({ ...DEFAULT_MOCK_LLM_OPTIONS, requiredKey: KEY });
  });

  it('answers a message, reporting cache reads beside input_tokens', async () => {
    mock.configure({ inputTokens: 500, cachedTokens: 200 });
    const message = await client.messages.create({ model: 'claude-x', max_tokens: 24, messages });
    expect(message.content).toEqual([expect.objectContaining({ type: 'text', text: reply })]);
    expect(message.usage).toMatchObject({ input_tokens: 300, cache_read_input_tokens: 200, output_tokens: 24 });
    const [call] = mock.calls();
    expect(call).toMatchObject({ protocol: 'anthropic', endpoint: 'messages', model: 'claude-x', stream: false, status: 200 });
    expect(call?.usage).toEqual({ inputTokens: 500, outputTokens: 24, cachedTokens: 200 });
    // This SDK sends its key as a Bearer token, with its own anthropic-version.
    expect(call?.headers['authorization']).toBe(`Bearer ${KEY}`);
    expect(call?.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('estimates input tokens from the prompt when not configured', async () => {
    const message = await client.messages.create({ model: 'claude-x', max_tokens: 5, system: 'Be brief.', messages });
    expect(message.usage.input_tokens).toBe(estimateInputTokens('messages', { system: 'Be brief.', messages }));
  });

  it('streams a message as message_start, deltas, message_delta with the output count, message_stop', async () => {
    mock.configure({ inputTokens: 40, cachedTokens: 10, chunks: 3 });
    const stream = await client.messages.create({ model: 'claude-x', max_tokens: 11, messages, stream: true });
    const types: string[] = [];
    let text = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'message_start') expect(event.message.usage).toMatchObject({ input_tokens: 30, cache_read_input_tokens: 10 });
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
      if (event.type === 'message_delta') expect(event.usage.output_tokens).toBe(11);
    }
    expect(types).toEqual([
      'message_start', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_delta',
      'content_block_stop', 'message_delta', 'message_stop',
    ]);
    expect(text).toBe(reply);
    expect(mock.calls()[0]?.usage).toEqual({ inputTokens: 40, outputTokens: 11, cachedTokens: 10 });
  });

  it('lets client.messages.stream rebuild the final message', async () => {
    const runner = client.messages.stream({ model: 'claude-x', max_tokens: 64, messages });
    const final = await runner.finalMessage();
    expect(final.content).toEqual([expect.objectContaining({ type: 'text', text: reply })]);
    expect(final.usage.output_tokens).toBe(64);
    expect(final.stop_reason).toBe('end_turn');
  });

  it('lists models in the Anthropic shape', async () => {
    mock.configure({ models: ['claude-a', 'claude-b'] });
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(['claude-a', 'claude-b']);
    expect(mock.calls()[0]).toMatchObject({ protocol: 'anthropic', endpoint: 'models' });
  });

  it('accepts the key as x-api-key, as older clients send it', async () => {
    const answer = await fetch(`${mock.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-x', max_tokens: 3, messages }),
    });
    expect(answer.status).toBe(200);
    expect(mock.calls()[0]?.headers['x-api-key']).toBe(KEY);
  });

  it('refuses a message without max_tokens in the Anthropic error shape', async () => {
    const answer = await fetch(`${mock.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-x', messages }),
    });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: Field required' } });
  });
});
