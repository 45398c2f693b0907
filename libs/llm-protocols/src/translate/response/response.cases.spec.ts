import type { JsonObject } from '../../protocol.types.js';
import { translateResponse } from '../translate-response.js';
import type { Direction } from '../translate.types.js';

const TO_CHAT: Direction = { from: 'anthropic_messages', to: 'openai_chat' };
const TO_RESPONSES: Direction = { from: 'anthropic_messages', to: 'openai_responses' };
const TO_ANTHROPIC: Direction = { from: 'openai_chat', to: 'anthropic_messages' };
const ctx = { model: 'client-model', createdAt: 1 };

function value(direction: Direction, body: JsonObject): Record<string, unknown> {
  const result = translateResponse(direction, body, ctx);
  if (!result.ok) throw new Error(`refused ${result.field}: ${result.message}`);
  return result.value;
}

const anthropic = (content: unknown[], stopReason: string | null = 'end_turn', extra: JsonObject = {}): JsonObject => ({
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  content,
  stop_reason: stopReason,
  usage: { input_tokens: 3, output_tokens: 2 },
  ...extra,
});
const chat = (message: JsonObject, finishReason = 'stop'): JsonObject => ({ id: 'chatcmpl-1', object: 'chat.completion', choices: [{ index: 0, message, finish_reason: finishReason }] });
const choiceOf = (body: Record<string, unknown>) => (body['choices'] as JsonObject[])[0];

describe('translateResponse: Anthropic → chat completion', () => {
  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    [null, 'stop'],
  ])('maps stop_reason %s to finish_reason %s', (stopReason, finishReason) => {
    expect(choiceOf(value(TO_CHAT, anthropic([{ type: 'text', text: 'x' }], stopReason)))?.['finish_reason']).toBe(finishReason);
  });

  it('joins text blocks, leaves thinking out, and reports an empty answer as empty text', () => {
    const body = value(TO_CHAT, anthropic([{ type: 'thinking', thinking: 'hmm', signature: 's' }, { type: 'text', text: 'Hello, ' }, { type: 'text', text: 'world.' }]));
    expect(choiceOf(body)?.['message']).toEqual({ role: 'assistant', content: 'Hello, world.', refusal: null });
    expect(choiceOf(value(TO_CHAT, anthropic([])))?.['message']).toEqual({ role: 'assistant', content: '', refusal: null });
  });

  it('reports zero usage when the upstream reported none', () => {
    expect(value(TO_CHAT, anthropic([], 'end_turn', { usage: undefined }))['usage']).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, prompt_tokens_details: { cached_tokens: 0 } });
  });

  it('derives a stable id when the upstream sent none, and stamps the current time without createdAt', () => {
    const first = translateResponse(TO_CHAT, anthropic([{ type: 'text', text: 'a' }], 'end_turn', { id: undefined }), { model: 'm' });
    const again = translateResponse(TO_CHAT, anthropic([{ type: 'text', text: 'a' }], 'end_turn', { id: undefined }), { model: 'm' });
    const other = translateResponse(TO_CHAT, anthropic([{ type: 'text', text: 'b' }], 'end_turn', { id: undefined }), { model: 'm' });
    if (!first.ok || !again.ok || !other.ok) throw new Error('refused');
    expect(first.value['id']).toMatch(/^chatcmpl-[0-9a-f]{24}$/);
    expect(again.value['id']).toBe(first.value['id']);
    expect(other.value['id']).not.toBe(first.value['id']);
    expect(Number.isSafeInteger(first.value['created'])).toBe(true);
  });

  it.each([
    ['no content list', { id: 'msg_1', type: 'message', content: 'x' }, 'content'],
    ['a tool call whose input is not an object', anthropic([{ type: 'tool_use', id: 't', name: 'f', input: 'x' }]), 'content[0].input'],
    ['text that is not a string', anthropic([{ type: 'text', text: 3 }]), 'content[0].text'],
  ])('fails on an answer with %s, naming the field', (_what, body, field) => {
    expect(translateResponse(TO_CHAT, body, ctx)).toEqual({ ok: false, field, message: expect.any(String) });
  });
});

describe('translateResponse: Anthropic → Responses', () => {
  it('opens a new message item for text after a tool call', () => {
    const body = value(TO_RESPONSES, anthropic([{ type: 'text', text: 'a' }, { type: 'tool_use', id: 'toolu_7', name: 'f', input: {} }, { type: 'text', text: 'b' }], 'tool_use'));
    expect((body['output'] as JsonObject[]).map((item) => [item['type'], item['id']])).toEqual([
      ['message', 'msg_1'],
      ['function_call', 'fc_7'],
      ['message', 'msg_1_2'],
    ]);
  });

  it('reports a refusal as incomplete for content filtering', () => {
    expect(value(TO_RESPONSES, anthropic([], 'refusal'))).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'content_filter' }, output: [] });
  });
});

describe('translateResponse: chat completion → Anthropic', () => {
  it.each([
    ['stop', 'end_turn'],
    ['length', 'max_tokens'],
    ['tool_calls', 'tool_use'],
    ['content_filter', 'refusal'],
  ])('maps finish_reason %s to stop_reason %s', (finishReason, stopReason) => {
    expect(value(TO_ANTHROPIC, chat({ role: 'assistant', content: 'x' }, finishReason))['stop_reason']).toBe(stopReason);
  });

  it('says tool_use when the answer calls tools, whatever finish_reason an OpenAI-compatible server gave', () => {
    const calls = [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }];
    expect(value(TO_ANTHROPIC, chat({ role: 'assistant', content: null, tool_calls: calls }, 'stop'))['stop_reason']).toBe('tool_use');
  });

  it('carries text parts and a refusal as text blocks, leaving empty text out', () => {
    const body = value(TO_ANTHROPIC, chat({ role: 'assistant', content: [{ type: 'text', text: 'a' }, { type: 'text', text: '' }], refusal: 'No.' }));
    expect(body['content']).toEqual([{ type: 'text', text: 'a' }, { type: 'text', text: 'No.' }]);
    expect(body['usage']).toEqual({ input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0 });
  });

  it.each([
    ['no choices', { id: 'c', choices: [] }, 'choices'],
    ['choices that are not a list', { id: 'c' }, 'choices'],
    ['a choice without a message', { id: 'c', choices: [{ index: 0 }] }, 'choices[0].message'],
    ['tool arguments that are not JSON', chat({ role: 'assistant', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{' } }] }), 'choices[0].message.tool_calls[0].function.arguments'],
  ])('fails on an answer with %s, naming the field', (_what, body, field) => {
    expect(translateResponse(TO_ANTHROPIC, body, ctx)).toEqual({ ok: false, field, message: expect.any(String) });
  });
});

describe('translateResponse: pairs', () => {
  it('passes an answer through when no translation is needed and refuses pairs it does not translate', () => {
    expect(translateResponse({ from: 'openai_chat', to: 'openai_chat' }, { id: 'x' }, ctx)).toEqual({ ok: true, value: { id: 'x' } });
    expect(translateResponse({ from: 'openai_responses', to: 'anthropic_messages' }, { id: 'x' }, ctx)).toEqual({ ok: false, field: '', message: expect.stringContaining('not translated') });
  });
});

describe('translateResponse: round trips', () => {
  it('chat completion → Anthropic → chat completion keeps text, tool calls, finish reason and usage', () => {
    const calls = [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":[1,2]}' } }];
    const usage = { prompt_tokens: 120, completion_tokens: 7, total_tokens: 127, prompt_tokens_details: { cached_tokens: 100 } };
    const original = { ...chat({ role: 'assistant', content: 'On it.', tool_calls: calls }, 'tool_calls'), usage };
    const back = value(TO_CHAT, value(TO_ANTHROPIC, original));
    expect(choiceOf(back)).toEqual({ index: 0, message: { role: 'assistant', content: 'On it.', refusal: null, tool_calls: calls }, logprobs: null, finish_reason: 'tool_calls' });
    expect(back['usage']).toEqual(usage);
  });

  it('Anthropic → chat completion → Anthropic keeps content, stop reason and usage when nothing was written to the cache', () => {
    const original = anthropic([{ type: 'text', text: 'a' }, { type: 'tool_use', id: 'toolu_1', name: 'f', input: { q: { r: true } } }], 'tool_use', {
      usage: { input_tokens: 20, output_tokens: 5, cache_read_input_tokens: 300 },
    });
    const back = value(TO_ANTHROPIC, value(TO_CHAT, original));
    expect(back).toMatchObject({ content: original['content'], stop_reason: 'tool_use', usage: original['usage'] });
  });
});
