import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { JsonObject } from '../protocol.types.js';
import { mapUpstreamError } from '../client-error.mapper.js';
import { translateResponse } from './translate-response.js';
import type { Direction } from './translate.types.js';

/** An upstream error answer of one family in the client's (`d.to`) shape, as the gateway maps every upstream error. */
const errorBody = (d: Direction, status: number, body: unknown) => ({ ...mapUpstreamError(d.to, status, body).body });

/**
 * Translated whole answers and errors, read by the official SDKs as a client of the gateway reads them. No network:
 * each client's fetch answers with the translated body.
 */
function answering(status: number, body: unknown): typeof fetch {
  return async () => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

const openai = (status: number, body: unknown) => new OpenAI({ apiKey: 'sk-test', baseURL: 'http://gateway.test/v1', fetch: answering(status, body), maxRetries: 0 });
const anthropic = (status: number, body: unknown) => new Anthropic({ apiKey: 'sk-ant-test', baseURL: 'http://gateway.test', fetch: answering(status, body), maxRetries: 0 });

function translated(direction: Direction, body: JsonObject): Record<string, unknown> {
  const result = translateResponse(direction, body, { model: 'client-model', createdAt: 1700000000 });
  if (!result.ok) throw new Error(`${result.field}: ${result.message}`);
  return result.value;
}

const anthropicAnswer: JsonObject = {
  id: 'msg_01Aq9w938a90dw8q',
  type: 'message',
  role: 'assistant',
  model: 'claude-opus-4-1-20250805',
  content: [
    { type: 'text', text: "I'll check the current weather in San Francisco for you." },
    { type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: { location: 'San Francisco, CA', unit: 'celsius' } },
  ],
  stop_reason: 'tool_use',
  stop_sequence: null,
  usage: { input_tokens: 384, output_tokens: 94, cache_read_input_tokens: 1000 },
};

const chatAnswer: JsonObject = {
  id: 'chatcmpl-abc123',
  object: 'chat.completion',
  created: 1699896916,
  model: 'gpt-4o-mini',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: 'Checking.', tool_calls: [{ id: 'call_abc123', type: 'function', function: { name: 'get_current_weather', arguments: '{"location":"Boston, MA"}' } }] },
      logprobs: null,
      finish_reason: 'tool_calls',
    },
  ],
  usage: { prompt_tokens: 82, completion_tokens: 17, total_tokens: 99, prompt_tokens_details: { cached_tokens: 64 } },
};

describe('whole answers read by the official SDKs', () => {
  it('openai chat.completions.create reads a translated Anthropic answer', async () => {
    const body = translated({ from: 'anthropic_messages', to: 'openai_chat' }, anthropicAnswer);
    const completion = await openai(200, body).chat.completions.create({ model: 'client-model', messages: [{ role: 'user', content: 'Weather?' }] });
    const choice = completion.choices[0];
    expect(choice?.message.content).toBe("I'll check the current weather in San Francisco for you.");
    const call = choice?.message.tool_calls?.[0];
    expect(call?.type === 'function' ? JSON.parse(call.function.arguments) : null).toEqual({ location: 'San Francisco, CA', unit: 'celsius' });
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(completion.usage).toEqual({ prompt_tokens: 1384, completion_tokens: 94, total_tokens: 1478, prompt_tokens_details: { cached_tokens: 1000 } });
  });

  it('openai responses.create reads a translated Anthropic answer, output_text included', async () => {
    const body = translated({ from: 'anthropic_messages', to: 'openai_responses' }, anthropicAnswer);
    const response = await openai(200, body).responses.create({ model: 'client-model', input: 'Weather?' });
    expect(response.output_text).toBe("I'll check the current weather in San Francisco for you.");
    expect(response.output.find((item) => item.type === 'function_call')).toMatchObject({ call_id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather' });
    expect(response.usage).toMatchObject({ input_tokens: 1384, output_tokens: 94, input_tokens_details: { cached_tokens: 1000 } });
  });

  it('anthropic messages.create reads a translated chat completion', async () => {
    const body = translated({ from: 'openai_chat', to: 'anthropic_messages' }, chatAnswer);
    const message = await anthropic(200, body).messages.create({ model: 'client-model', max_tokens: 100, messages: [{ role: 'user', content: 'Weather?' }] });
    expect(message.content).toEqual([
      { type: 'text', text: 'Checking.' },
      { type: 'tool_use', id: 'call_abc123', name: 'get_current_weather', input: { location: 'Boston, MA' } },
    ]);
    expect(message.stop_reason).toBe('tool_use');
    expect(message.usage).toEqual({ input_tokens: 18, output_tokens: 17, cache_read_input_tokens: 64 });
  });
});

describe('translated errors raised by the official SDKs', () => {
  it('openai raises an Anthropic rate limit as RateLimitError with its type and code', async () => {
    const body = errorBody({ from: 'anthropic_messages', to: 'openai_chat' }, 429, { type: 'error', error: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' } });
    const call = openai(429, body).chat.completions.create({ model: 'client-model', messages: [{ role: 'user', content: 'hi' }] });
    await expect(call).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    await expect(call).rejects.toMatchObject({ status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded', message: expect.stringContaining('per-minute rate limit') });
  });

  it('openai raises an Anthropic invalid request as BadRequestError carrying the upstream message', async () => {
    const body = errorBody({ from: 'anthropic_messages', to: 'openai_responses' }, 400, { type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: 100000 > 64000' } });
    await expect(openai(400, body).responses.create({ model: 'client-model', input: 'hi' })).rejects.toMatchObject({
      constructor: OpenAI.BadRequestError,
      type: 'invalid_request_error',
      message: expect.stringContaining('max_tokens: 100000 > 64000'),
    });
  });

  it('anthropic raises an OpenAI auth failure as AuthenticationError, the key left out', async () => {
    const body = errorBody({ from: 'openai_chat', to: 'anthropic_messages' }, 401, { error: { message: 'Incorrect API key provided: sk-abc***xyz', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
    const call = anthropic(401, body).messages.create({ model: 'client-model', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    await expect(call).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    await expect(call).rejects.toMatchObject({ error: { type: 'error', error: { type: 'authentication_error' } } });
    await expect(call).rejects.not.toMatchObject({ message: expect.stringContaining('sk-abc') });
  });
});
