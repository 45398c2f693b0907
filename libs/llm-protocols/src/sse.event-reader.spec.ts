import fc from 'fast-check';
import { MAX_SSE_EVENT_CHARS, SseEventReader, type SseEvent } from './sse.event-reader.js';
import { splitAt } from './testing/split-at.js';

const encoder = new TextEncoder();

function readAll(chunks: readonly Uint8Array[]): SseEvent[] {
  const events: SseEvent[] = [];
  const reader = new SseEventReader();
  for (const chunk of chunks) reader.push(chunk, (e) => events.push(e));
  reader.end((e) => events.push(e));
  return events;
}


const stream = [
  ': keep-alive comment',
  'event: message_start',
  'data: {"type":"message_start","text":"héllo 😀"}',
  '',
  'data: {"a":1}',
  'data: {"b":2}',
  '',
  'event: ping',
  'data:no-space',
  '',
  'data: [DONE]',
  '',
  '',
].join('\n');

const expected: SseEvent[] = [
  { event: 'message_start', data: '{"type":"message_start","text":"héllo 😀"}' },
  { event: null, data: '{"a":1}\n{"b":2}' },
  { event: 'ping', data: 'no-space' },
  { event: null, data: '[DONE]' },
];

describe('SseEventReader', () => {
  it('parses events, comments, multi-line data and the optional space after the colon', () => {
    expect(readAll([encoder.encode(stream)])).toEqual(expected);
  });

  it('gives the same events however the bytes are split, UTF-8 sequences included', () => {
    const bytes = encoder.encode(stream);
    fc.assert(fc.property(fc.array(fc.nat(), { maxLength: 40 }), (cuts) => {
      expect(readAll(splitAt(bytes, cuts))).toEqual(expected);
    }));
    expect(readAll([...bytes].map((b) => Uint8Array.of(b)))).toEqual(expected);
  });

  it('accepts CRLF line ends', () => {
    expect(readAll([encoder.encode(stream.replaceAll('\n', '\r\n'))])).toEqual(expected);
  });

  it('reads a last event whose blank line never came', () => {
    expect(readAll([encoder.encode('data: {"x":1}\n')])).toEqual([{ event: null, data: '{"x":1}' }]);
    expect(readAll([encoder.encode('data: {"x":1}')])).toEqual([{ event: null, data: '{"x":1}' }]);
  });

  it('drops an oversized event without holding it, and reads the next one', () => {
    const huge = 'x'.repeat(MAX_SSE_EVENT_CHARS + 10);
    const chunks = [encoder.encode(`data: ${huge.slice(0, 600_000)}`), encoder.encode(`${huge.slice(600_000)}\n\ndata: ok\n\n`)];
    expect(readAll(chunks)).toEqual([{ event: null, data: 'ok' }]);
    const manyLines = `${`data: ${'y'.repeat(100)}\n`.repeat(20_000)}\ndata: next\n\n`;
    expect(readAll([encoder.encode(manyLines)])).toEqual([{ event: null, data: 'next' }]);
  });
});
