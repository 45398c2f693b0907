import fc from 'fast-check';
import type { ClientProtocol } from './protocol.types.js';
import { MAX_SSE_EVENT_CHARS } from './sse.event-reader.js';
import { UsageTracker } from './sse.usage-tracker.js';
import { splitAt } from './testing/split-at.js';

const encoder = new TextEncoder();
type Frame = { readonly event?: string; readonly data: unknown };
const sse = (frames: readonly Frame[]): string =>
  frames.map((f) => `${f.event === undefined ? '' : `event: ${f.event}\n`}data: ${typeof f.data === 'string' ? f.data : JSON.stringify(f.data)}\n\n`).join('');

const chunk = (choices: unknown[], usage: unknown = null) => ({
  id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices, usage,
});
const delta = (d: object, finish: string | null = null) => [{ index: 0, delta: d, logprobs: null, finish_reason: finish }];
const chatFrames: Frame[] = [
  { data: chunk(delta({ role: 'assistant', content: '' })) },
  { data: chunk(delta({ content: 'Hél' })) },
  { data: chunk(delta({ content: 'lo 😀' })) },
  { data: chunk(delta({}, 'stop')) },
  { data: chunk([], { prompt_tokens: 20, completion_tokens: 2, total_tokens: 22, prompt_tokens_details: { cached_tokens: 8 } }) },
  { data: '[DONE]' },
];

const response = (status: string, usage: unknown) => ({ id: 'resp_1', object: 'response', status, output: [], usage });
const item = { id: 'msg_1', type: 'message', status: 'in_progress', role: 'assistant', content: [] };
const part = { type: 'output_text', text: '', annotations: [] };
const responsesFrames: Frame[] = [
  { event: 'response.created', data: { type: 'response.created', sequence_number: 0, response: response('in_progress', null) } },
  { event: 'response.in_progress', data: { type: 'response.in_progress', sequence_number: 1, response: response('in_progress', null) } },
  { event: 'response.output_item.added', data: { type: 'response.output_item.added', sequence_number: 2, output_index: 0, item } },
  { event: 'response.content_part.added', data: { type: 'response.content_part.added', sequence_number: 3, item_id: 'msg_1', output_index: 0, content_index: 0, part } },
  { event: 'response.output_text.delta', data: { type: 'response.output_text.delta', sequence_number: 4, item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Hi "usage": {' } },
  { event: 'response.output_text.done', data: { type: 'response.output_text.done', sequence_number: 5, item_id: 'msg_1', output_index: 0, content_index: 0, text: 'Hi' } },
  {
    event: 'response.completed',
    data: {
      type: 'response.completed',
      sequence_number: 6,
      response: response('completed', { input_tokens: 40, input_tokens_details: { cached_tokens: 16 }, output_tokens: 7, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 47 }),
    },
  },
];

const anthropicFrames: Frame[] = [
  {
    event: 'message_start',
    data: {
      type: 'message_start',
      message: {
        id: 'msg_1', type: 'message', role: 'assistant', content: [], model: 'claude', stop_reason: null, stop_sequence: null,
        usage: { input_tokens: 12, cache_creation_input_tokens: 3, cache_read_input_tokens: 30, output_tokens: 1 },
      },
    },
  },
  { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } },
  { event: 'ping', data: { type: 'ping' } },
  { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } } },
  { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
  { event: 'message_delta', data: { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 15 } } },
  { event: 'message_stop', data: { type: 'message_stop' } },
];

const cases: readonly [ClientProtocol, Frame[], { inputTokens: number; outputTokens: number; cachedTokens: number }][] = [
  ['openai_chat', chatFrames, { inputTokens: 20, outputTokens: 2, cachedTokens: 8 }],
  ['openai_responses', responsesFrames, { inputTokens: 40, outputTokens: 7, cachedTokens: 16 }],
  ['anthropic_messages', anthropicFrames, { inputTokens: 45, outputTokens: 15, cachedTokens: 30 }],
];

function track(protocol: ClientProtocol, chunks: readonly Uint8Array[]): UsageTracker {
  const tracker = new UsageTracker(protocol);
  for (const c of chunks) tracker.push(c);
  return tracker;
}

describe('UsageTracker', () => {
  it.each(cases)('reads the usage a %s stream reports', (protocol, frames, usage) => {
    const tracker = track(protocol, [encoder.encode(sse(frames))]);
    expect(tracker.usage()).toEqual(usage);
    expect(tracker.sawFirstToken).toBe(true);
    expect(tracker.streamError).toBeNull();
  });

  it.each(cases)('reads %s usage across any chunk boundaries', (protocol, frames, usage) => {
    const bytes = encoder.encode(sse(frames));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 30 }), (cuts) => {
        const chunks = splitAt(bytes, cuts);
        expect(track(protocol, chunks).usage()).toEqual(usage);
      }),
      { numRuns: 60 },
    );
    expect(track(protocol, [...bytes].map((b) => Uint8Array.of(b))).usage()).toEqual(usage);
  });

  it.each([
    ['openai_chat', chatFrames, 1, false],
    ['openai_chat', chatFrames, 2, true],
    ['openai_responses', responsesFrames, 4, false],
    ['openai_responses', responsesFrames, 5, true],
    ['anthropic_messages', anthropicFrames, 3, false],
    ['anthropic_messages', anthropicFrames, 4, true],
  ] as const)('notices the first token of %s (after %i events: %s)', (protocol, frames, count, seen) => {
    expect(track(protocol, [encoder.encode(sse(frames.slice(0, count)))]).sawFirstToken).toBe(seen);
  });

  it('reports only what a stream cut midway had reported', () => {
    const cut = (frames: Frame[], n: number) => encoder.encode(sse(frames.slice(0, n)));
    expect(track('openai_chat', [cut(chatFrames, 3)]).usage()).toBeNull();
    expect(track('openai_responses', [cut(responsesFrames, 5)]).usage()).toBeNull();
    expect(track('anthropic_messages', [cut(anthropicFrames, 4)]).usage()).toEqual({ inputTokens: 45, outputTokens: 1, cachedTokens: 30 });
  });

  it('lets message_delta overwrite the Anthropic counters it reports, and only those', () => {
    const frames: Frame[] = [
      anthropicFrames[0] as Frame,
      { event: 'message_delta', data: { type: 'message_delta', delta: {}, usage: { input_tokens: 20, output_tokens: 9, cache_read_input_tokens: null } } },
    ];
    expect(track('anthropic_messages', [encoder.encode(sse(frames))]).usage()).toEqual({ inputTokens: 53, outputTokens: 9, cachedTokens: 30 });
  });

  it('reads an event whose closing blank line never came, once told the stream ended', () => {
    const text = sse(chatFrames.slice(0, 5)).trimEnd();
    const tracker = track('openai_chat', [encoder.encode(text)]);
    expect(tracker.usage()).toBeNull();
    tracker.end();
    expect(tracker.usage()).toEqual({ inputTokens: 20, outputTokens: 2, cachedTokens: 8 });
  });

  it('records error events sent inside a 200 stream', () => {
    const anthropic = sse([...anthropicFrames.slice(0, 4), { event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } }]);
    expect(track('anthropic_messages', [encoder.encode(anthropic)]).streamError).toBe('overloaded_error');
    const failed = { type: 'response.failed', sequence_number: 9, response: { ...response('failed', null), error: { code: 'server_error', message: 'boom' } } };
    expect(track('openai_responses', [encoder.encode(sse([...responsesFrames.slice(0, 5), { event: 'response.failed', data: failed }]))]).streamError).toBe('server_error');
    const chat = sse([...chatFrames.slice(0, 2), { data: { error: { message: 'bad', type: 'server_error', code: null } } }]);
    expect(track('openai_chat', [encoder.encode(chat)]).streamError).toBe('server_error');
  });

  it('reads CRLF streams and usage split over several data lines, however the bytes are split', () => {
    const usageData = JSON.stringify(chunk([], { prompt_tokens: 20, completion_tokens: 2, total_tokens: 22, prompt_tokens_details: { cached_tokens: 8 } }));
    const half = usageData.indexOf('"usage"') + 8;
    const text = (sse(chatFrames.slice(0, 4)) + `data: ${usageData.slice(0, half)}\ndata: ${usageData.slice(half)}\n\n` + 'data: [DONE]\n\n').replaceAll('\n', '\r\n');
    const bytes = encoder.encode(text);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 30 }), (cuts) => {
        const chunks = splitAt(bytes, cuts);
        const tracker = track('openai_chat', chunks);
        expect(tracker.usage()).toEqual({ inputTokens: 20, outputTokens: 2, cachedTokens: 8 });
        expect(tracker.complete).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('drops an event longer than the bound, in any chunking, and reads the events after it', () => {
    const huge = `data: {"choices":[{"delta":{"content":"${'x'.repeat(MAX_SSE_EVENT_CHARS)}"}}],"usage":{"prompt_tokens":999}}\n\n`;
    const read = (rest: string) =>
      [[huge + rest], [huge.slice(0, 100), huge.slice(100, 600_000), huge.slice(600_000) + rest]].map((chunks) => {
        const tracker = track('openai_chat', [encoder.encode(sse(chatFrames.slice(0, 2))), ...chunks.map((c) => encoder.encode(c))]);
        tracker.end();
        return tracker.usage();
      });
    expect(read(sse(chatFrames.slice(5)))).toEqual([null, null]);
    const usage = { inputTokens: 20, outputTokens: 2, cachedTokens: 8 };
    expect(read(sse(chatFrames.slice(4)))).toEqual([usage, usage]);
  });

  it('ignores garbage data lines', () => {
    const tracker = track('openai_chat', [encoder.encode('data: {not json\n\ndata: 42\n\n'), encoder.encode(sse(chatFrames))]);
    expect(tracker.usage()).toEqual({ inputTokens: 20, outputTokens: 2, cachedTokens: 8 });
  });
});
