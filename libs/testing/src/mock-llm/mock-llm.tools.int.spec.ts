import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { MockLlmUpstream } from './mock-llm.server.js';
import { DEFAULT_MOCK_LLM_OPTIONS } from './mock-llm.types.js';

const weather = {
  name: 'get_weather',
  description: 'The weather in a city',
  schema: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' }, unit: { type: 'string' } }, required: ['city', 'days'] },
};
const expectedArguments = { city: 'mock city', days: 1 };
const chatTools: OpenAI.Chat.ChatCompletionTool[] = [{ type: 'function', function: { name: weather.name, description: weather.description, parameters: weather.schema } }];
const anthropicTools: Anthropic.Tool[] = [{ name: weather.name, description: weather.description, input_schema: weather.schema as Anthropic.Tool.InputSchema }];

describe('MockLlmUpstream tool calls, through the official clients', () => {
  let mock: MockLlmUpstream;
  let openai: OpenAI;
  let anthropic: Anthropic;

  beforeAll(async () => {
    mock = await new MockLlmUpstream().start();
    openai = new OpenAI({ apiKey: 'sk-test', baseURL: `${mock.baseUrl}/v1`, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: 'sk-ant-test', baseURL: mock.baseUrl, maxRetries: 0 });
  });

  afterAll(() => mock.stop());

  beforeEach(() => {
    mock.resetCalls();
    mock.configure({ ...DEFAULT_MOCK_LLM_OPTIONS, inputTokens: 50, cachedTokens: 20 });
  });

  it('answers a chat tool call when the tool choice requires one, with arguments from the schema', async () => {
    const chat = await openai.chat.completions.create({ model: 'gpt-x', messages: [{ role: 'user', content: 'weather?' }], tools: chatTools, tool_choice: 'required', max_tokens: 9 });
    const choice = chat.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    const call = choice?.message.tool_calls?.[0];
    expect(call).toMatchObject({ type: 'function', id: expect.stringMatching(/^call_/), function: { name: 'get_weather' } });
    expect(JSON.parse(call?.type === 'function' ? call.function.arguments : '')).toEqual(expectedArguments);
    expect(chat.usage).toMatchObject({ prompt_tokens: 50, completion_tokens: 9, prompt_tokens_details: { cached_tokens: 20 } });
  });

  it('streams a chat tool call as argument fragments that the client reassembles', async () => {
    const stream = openai.chat.completions.stream({
      model: 'gpt-x',
      messages: [{ role: 'user', content: 'please call tool get_weather' }],
      tools: chatTools,
      stream_options: { include_usage: true },
    });
    let fragments = 0;
    stream.on('chunk', (chunk) => (fragments += chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ? 1 : 0));
    const final = await stream.finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call?.type === 'function' ? JSON.parse(call.function.arguments) : null).toEqual(expectedArguments);
    expect(fragments).toBeGreaterThan(1);
    expect(mock.calls()[0]?.usage).toEqual({ inputTokens: 50, outputTokens: 16, cachedTokens: 20 });
  });

  it('answers a chat tool result with a text mentioning it, and a plain question with text', async () => {
    const chat = await openai.chat.completions.create({
      model: 'gpt-x',
      tools: chatTools,
      messages: [
        { role: 'user', content: 'call tool get_weather' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny, 21C' },
      ],
    });
    expect(chat.choices[0]?.finish_reason).toBe('stop');
    expect(chat.choices[0]?.message.content).toContain('sunny, 21C');
    const plain = await openai.chat.completions.create({ model: 'gpt-x', messages: [{ role: 'user', content: 'hello' }], tools: chatTools });
    expect(plain.choices[0]?.message.tool_calls).toBeUndefined();
    expect(plain.choices[0]?.message.content).toBe(DEFAULT_MOCK_LLM_OPTIONS.reply);
  });

  it('answers a Responses function call, plain and streamed', async () => {
    const tools: OpenAI.Responses.FunctionTool[] = [{ type: 'function', name: weather.name, parameters: weather.schema, strict: false }];
    const plain = await openai.responses.create({ model: 'gpt-x', input: 'call tool get_weather', tools });
    expect(plain.output[0]).toMatchObject({ type: 'function_call', name: 'get_weather', call_id: expect.stringMatching(/^call_/) });
    const streamed = await openai.responses.stream({ model: 'gpt-x', input: 'weather', tools, tool_choice: 'required' }).finalResponse();
    const item = streamed.output[0];
    expect(item?.type === 'function_call' ? JSON.parse(item.arguments) : null).toEqual(expectedArguments);
    const answered = await openai.responses.create({
      model: 'gpt-x',
      tools,
      input: [{ type: 'function_call_output', call_id: 'call_1', output: 'rain' }],
    });
    expect(answered.output_text).toContain('rain');
  });

  it('answers an Anthropic tool_use block when tool_choice is any, plain and streamed', async () => {
    const message = await anthropic.messages.create({
      model: 'claude-x',
      max_tokens: 30,
      tools: anthropicTools,
      tool_choice: { type: 'any' },
      messages: [{ role: 'user', content: 'weather?' }],
    });
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toEqual([expect.objectContaining({ type: 'tool_use', id: expect.stringMatching(/^toolu_/), name: 'get_weather', input: expectedArguments })]);
    expect(message.usage).toMatchObject({ input_tokens: 30, cache_read_input_tokens: 20, output_tokens: 30 });

    const stream = anthropic.messages.stream({ model: 'claude-x', max_tokens: 12, tools: anthropicTools, messages: [{ role: 'user', content: 'call tool get_weather' }] });
    const deltas: string[] = [];
    stream.on('streamEvent', (event) => {
      if (event.type === 'content_block_delta' && event.delta.type === 'input_json_delta') deltas.push(event.delta.partial_json);
    });
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content[0]).toMatchObject({ type: 'tool_use', input: expectedArguments });
    expect(deltas.length).toBeGreaterThan(1);
    expect(mock.calls()[1]?.usage).toEqual({ inputTokens: 50, outputTokens: 12, cachedTokens: 20 });
  });

  it('answers an Anthropic tool_result turn with a text mentioning the result', async () => {
    const message = await anthropic.messages.create({
      model: 'claude-x',
      max_tokens: 30,
      tools: anthropicTools,
      messages: [
        { role: 'user', content: 'call tool get_weather' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'foggy' }] }] },
      ],
    });
    expect(message.stop_reason).toBe('end_turn');
    expect(message.content).toEqual([expect.objectContaining({ type: 'text', text: expect.stringContaining('foggy') })]);
  });
});
