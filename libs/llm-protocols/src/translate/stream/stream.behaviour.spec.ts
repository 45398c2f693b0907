import { SseEventReader, type SseEvent } from '../../sse.event-reader.js';
import { KEPT_ANSWER_CHARS, KeptAnswer } from './responses-output.js';
import { createStreamTranslator, StreamTranslationError } from './stream-translator.factory.js';

const settings = { model: 'm', includeUsage: true, createdAt: 1 };
const anthropic = (payload: Record<string, unknown>): SseEvent => ({ event: String(payload['type']), data: JSON.stringify(payload) });
const chat = (payload: Record<string, unknown>): SseEvent => ({ event: null, data: JSON.stringify(payload) });
const DONE: SseEvent = { event: null, data: '[DONE]' };

function events(text: string): { event: string | null; data: unknown }[] {
  const out: SseEvent[] = [];
  const reader = new SseEventReader();
  reader.push(new TextEncoder().encode(text), (e) => out.push(e));
  reader.end((e) => out.push(e));
  return out.map((e) => ({ event: e.event, data: e.data === '[DONE]' ? e.data : JSON.parse(e.data) }));
}

const START = anthropic({ type: 'message_start', message: { id: 'msg_1', usage: { input_tokens: 3, output_tokens: 1 } } });
const TEXT_START = anthropic({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
const text = (t: string) => anthropic({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: t } });
const STOP_0 = anthropic({ type: 'content_block_stop', index: 0 });
const DELTA = anthropic({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 4 } });
const chunk = (delta: Record<string, unknown>, finish: string | null = null, index = 0) => chat({ id: 'c1', choices: [{ index, delta, finish_reason: finish }] });
const USAGE = chat({ id: 'c1', choices: [], usage: { prompt_tokens: 10, completion_tokens: 4, prompt_tokens_details: { cached_tokens: 6 } } });

describe('anthropic_messages → openai_chat', () => {
  const create = () => createStreamTranslator({ from: 'anthropic_messages', to: 'openai_chat' }, settings);

  it('skips and counts malformed events and words that are no handler, and goes on', () => {
    const t = create();
    t.push(START);
    expect(t.push({ event: 'content_block_delta', data: '{"type":"content_block_delta",' })).toBe('');
    expect(t.push({ event: 'x', data: '[1,2]' })).toBe('');
    expect(t.push(anthropic({ type: 'constructor' }))).toBe('');
    expect(t.push(anthropic({ type: '__proto__' }))).toBe('');
    expect(t.skippedEvents).toBe(2);
    expect(events(t.push(TEXT_START) + t.push(text('ok')))).toEqual([{ event: null, data: expect.objectContaining({ choices: [expect.objectContaining({ delta: { content: 'ok' } })] }) }]);
  });

  it('opens with the assistant role even when message_start was lost', () => {
    const out = events(createStreamTranslator({ from: 'anthropic_messages', to: 'openai_chat' }, settings).push(text('hi')));
    expect(out.map((e) => (e.data as { choices: { delta: unknown }[] }).choices[0]?.delta)).toEqual([{ role: 'assistant', content: '' }, { content: 'hi' }]);
  });

  it('finishes a stream that lost only message_stop, and stops one cut before message_delta', () => {
    const finished = create();
    [START, TEXT_START, text('a'), STOP_0, DELTA].forEach((e) => finished.push(e));
    const tail = events(finished.end());
    expect(tail.map((e) => e.data)).toEqual([expect.objectContaining({ choices: [], usage: expect.objectContaining({ prompt_tokens: 3, completion_tokens: 4 }) }), '[DONE]']);
    expect(finished.end()).toBe('');

    const cut = create();
    [START, TEXT_START, text('a')].forEach((e) => cut.push(e));
    expect(cut.end()).toBe('');
  });

  it('writes nothing after an upstream error', () => {
    const t = create();
    t.push(START);
    expect(events(t.push(anthropic({ type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } })))).toEqual([
      { event: null, data: { error: { message: 'Upstream error: slow down', type: 'rate_limit_error', param: null, code: 'rate_limit_exceeded' } } },
    ]);
    expect(t.push(text('more'))).toBe('');
    expect(t.end()).toBe('');
  });

  it('never passes on the message of an authentication error (providers echo keys)', () => {
    const out = create().push(anthropic({ type: 'error', error: { type: 'authentication_error', message: 'bad key sk-ant-secret' } }));
    expect(out).not.toContain('sk-ant-secret');
    expect(out).toContain('invalid_api_key');
  });
});

describe('openai_chat → anthropic_messages', () => {
  const create = () => createStreamTranslator({ from: 'openai_chat', to: 'anthropic_messages' }, settings);
  const types = (text: string) => events(text).map((e) => e.event);

  it('holds message_delta until the usage chunk that follows the finish chunk', () => {
    const t = create();
    expect(types(t.push(chunk({ role: 'assistant', content: 'Hi' })))).toEqual(['message_start', 'content_block_start', 'content_block_delta']);
    expect(types(t.push(chunk({}, 'stop')))).toEqual(['content_block_stop']);
    const last = events(t.push(USAGE));
    expect(last.map((e) => e.event)).toEqual(['message_delta', 'message_stop']);
    expect(last[0]?.data).toMatchObject({ delta: { stop_reason: 'end_turn' }, usage: { input_tokens: 4, output_tokens: 4, cache_read_input_tokens: 6 } });
    expect(t.push(DONE) + t.end()).toBe('');
  });

  it('ends at [DONE], or at the end of the upstream, when no usage chunk comes', () => {
    for (const finish of [(t: ReturnType<typeof create>) => t.push(DONE), (t: ReturnType<typeof create>) => t.end()]) {
      const t = create();
      t.push(chunk({ content: 'Hi' }, 'length'));
      const last = events(finish(t));
      expect(last.map((e) => e.event)).toEqual(['message_delta', 'message_stop']);
      expect(last[0]?.data).toMatchObject({ delta: { stop_reason: 'max_tokens' }, usage: { input_tokens: 0, output_tokens: 0 } });
    }
  });

  it('stops a stream cut before its finish_reason without message_stop', () => {
    const t = create();
    t.push(chunk({ content: 'Hi' }));
    expect(t.end()).toBe('');
  });

  it('ends at once when usage rides on the finish chunk itself', () => {
    const t = create();
    const out = types(t.push(chat({ id: 'c', choices: [{ index: 0, delta: { content: 'x' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1 } })));
    expect(out).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
  });

  it('gives text after a tool call its own block, and drops (counts) fragments of a tool call already closed', () => {
    const t = create();
    const call = (index: number, args: string, id?: string) => chunk({ tool_calls: [{ index, ...(id === undefined ? {} : { id, type: 'function' }), function: { ...(id === undefined ? {} : { name: `f${index}` }), arguments: args } }] });
    let out = t.push(call(0, '{"a"', 'call_a')) + t.push(call(1, '{}', 'call_b')) + t.push(call(0, ':1}'));
    out += t.push(chunk({ content: 'done' })) + t.push(chunk({ content: 'x' }, null, 1));
    expect(t.skippedEvents).toBe(1);
    const starts = events(out).filter((e) => e.event === 'content_block_start').map((e) => e.data);
    expect(starts).toEqual([
      expect.objectContaining({ index: 0, content_block: { type: 'tool_use', id: 'call_a', name: 'f0', input: {} } }),
      expect.objectContaining({ index: 1, content_block: { type: 'tool_use', id: 'call_b', name: 'f1', input: {} } }),
      expect.objectContaining({ index: 2, content_block: { type: 'text', text: '' } }),
    ]);
    expect(out).not.toContain('"x"');
  });

  it('turns an OpenAI error chunk into an Anthropic error event and stops', () => {
    const t = create();
    t.push(chunk({ content: 'a' }));
    expect(events(t.push(chat({ error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } })))).toEqual([
      { event: 'error', data: { type: 'error', error: { type: 'rate_limit_error', message: 'Upstream error: Rate limit reached' } } },
    ]);
    expect(t.push(chunk({ content: 'b' }, 'stop')) + t.end()).toBe('');
  });
});

describe('anthropic_messages → openai_responses', () => {
  const create = () => createStreamTranslator({ from: 'anthropic_messages', to: 'openai_responses' }, settings);
  const types = (text: string) => events(text).map((e) => e.event);

  it('completes a stream that lost only message_stop, closing its open item, and stops one cut before message_delta', () => {
    const t = create();
    [START, TEXT_START, text('a'), DELTA].forEach((e) => t.push(e));
    expect(types(t.end())).toEqual(['response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed']);
    const cut = create();
    [START, TEXT_START, text('a')].forEach((e) => cut.push(e));
    expect(cut.end()).toBe('');
  });

  it('keeps at most KEPT_ANSWER_CHARS of the answer for the events that repeat it, while every delta passes whole', () => {
    const t = create();
    const long = 'x'.repeat(KEPT_ANSWER_CHARS + 10);
    t.push(START);
    t.push(TEXT_START);
    const delta = events(t.push(text(long)))[0]?.data as { delta: string };
    expect(delta.delta).toHaveLength(long.length);
    const done = events(t.push(STOP_0))[0]?.data as { text: string };
    expect(done.text).toHaveLength(KEPT_ANSWER_CHARS);
  });

  it('KeptAnswer takes fragments until its budget is spent', () => {
    const kept = new KeptAnswer(5);
    expect([kept.take('abc'), kept.truncated, kept.take('defg'), kept.take('h'), kept.truncated]).toEqual(['abc', false, 'de', '', true]);
  });

  it('skips and counts a malformed event without breaking the sequence numbers', () => {
    const t = create();
    const out = t.push(START) + t.push({ event: 'content_block_start', data: '{oops' }) + t.push(TEXT_START);
    expect(t.skippedEvents).toBe(1);
    expect(events(out).map((e) => (e.data as { sequence_number: number }).sequence_number)).toEqual([0, 1, 2, 3]);
  });
});

describe('createStreamTranslator', () => {
  it('refuses a pair no route needs with a typed error', () => {
    expect(() => createStreamTranslator({ from: 'openai_chat', to: 'openai_responses' }, settings)).toThrow(StreamTranslationError);
    let caught: unknown;
    try {
      createStreamTranslator({ from: 'openai_responses', to: 'anthropic_messages' }, settings);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'unsupported_stream_direction', direction: { from: 'openai_responses', to: 'anthropic_messages' } });
  });
});
