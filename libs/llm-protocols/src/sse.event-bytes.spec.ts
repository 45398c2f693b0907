import fc from 'fast-check';
import { HeldEvent, SseEventBoundaries, bytesAsText, hasEmptyChoices, mayCarryUsageOrError } from './sse.event-bytes.js';
import { MAX_SSE_EVENT_CHARS, SseEventReader, type SseEvent } from './sse.event-reader.js';
import { splitAt } from './testing/split-at.js';

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');
const raw = (text: string): string => bytesAsText(bytes(text));

/** Every event `chunks` end, as text, framed by SseEventBoundaries and a HeldEvent as the tracker does. */
function frame(chunks: readonly Buffer[]): { events: string[]; rest: string } {
  const boundaries = new SseEventBoundaries();
  const held = new HeldEvent();
  const events: string[] = [];
  const decoded = (text: string): string => Buffer.from(text, 'latin1').toString('utf8');
  for (const chunk of chunks) {
    const text = bytesAsText(chunk);
    let start = 0;
    boundaries.scan(text, (end) => {
      events.push(decoded(held.complete(text.slice(start, end))));
      start = end;
    });
    held.hold(text.slice(start));
  }
  return { events, rest: decoded(held.take()) };
}


/** The data of each event the WHATWG reader finds in `text`. */
function readData(text: string): string[] {
  const reader = new SseEventReader();
  const data: string[] = [];
  const onEvent = (event: SseEvent): void => void data.push(event.data);
  reader.push(bytes(text), onEvent);
  reader.end(onEvent);
  return data;
}

describe('SseEventBoundaries', () => {
  const stream = 'data: {"a":"hé😀"}\n\nevent: x\r\ndata: 1\r\ndata: 2\r\n\r\n: comment\ndata: 3\n\r\ndata: 4\r\n\n';
  const expected = ['data: {"a":"hé😀"}\n\n', 'event: x\r\ndata: 1\r\ndata: 2\r\n\r\n', ': comment\ndata: 3\n\r\n', 'data: 4\r\n\n'];

  it('ends events at blank lines, with LF or CRLF line ends mixed, multi-line data kept in its event', () => {
    expect(frame([bytes(stream)])).toEqual({ events: expected, rest: '' });
  });

  it('finds the same events however the bytes are split: inside `data:`, between `\\r` and `\\n`, inside a UTF-8 character', () => {
    const whole = bytes(stream + 'data: partial');
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: whole.length }), { maxLength: 25 }), (cuts) => {
        expect(frame(splitAt(whole, cuts))).toEqual({ events: expected, rest: 'data: partial' });
      }),
      { numRuns: 200 },
    );
    expect(frame([...whole].map((b) => Buffer.of(b)))).toEqual({ events: expected, rest: 'data: partial' });
  });

  it('frames the events the WHATWG reader reads, one by one', () => {
    const { events } = frame([bytes(stream)]);
    expect(events.flatMap(readData)).toEqual(readData(stream));
  });

  it('takes a line holding only `\\r` for blank, and a `\\r` inside a line for none', () => {
    expect(frame([bytes('data: a\r'), bytes('\n'), bytes('\r'), bytes('\n')]).events).toEqual(['data: a\r\n\r\n']);
    expect(frame([bytes('data: a\n x\r\r\n')]).events).toEqual([]);
  });
});

describe('HeldEvent', () => {
  it('refuses to hold an event past the bound, and keeps nothing of it', () => {
    const held = new HeldEvent();
    expect(held.hold('a'.repeat(MAX_SSE_EVENT_CHARS - 1))).toBe(true);
    expect(held.hold('aa')).toBe(false);
    expect(held.length).toBe(MAX_SSE_EVENT_CHARS - 1);
    expect(held.take().length).toBe(MAX_SSE_EVENT_CHARS - 1);
    expect(held.length).toBe(0);
  });
});

describe('mayCarryUsageOrError', () => {
  const MAY_MATTER = /"usage"\s*:\s*\{|"error"/;

  it.each([
    ['data: {"choices":[],"usage":{"prompt_tokens":1}}\n\n', true],
    ['data: {"choices":[{"delta":{"content":"x"}}],"usage":null}\n\n', false],
    ['data: {"choices":[{"delta":{"content":"x"}}],"usage" :\tnull}\n\n', false],
    ['data: {"type":"content_block_delta","delta":{"text":"x"}}\n\n', false],
    ['event: error\ndata: {"type":"error","error":{"type":"overloaded_error"}}\n\n', true],
    ['data: {"usage"\ndata: :{"input_tokens":1}}\n\n', true],
    ['data: {"usage":\r{"input_tokens":1}}\n\n', true],
    ['data: {"text":"quoting \\"usage\\": {"}\n\n', false],
    ['data: {"tool":"x","args":{"usage": {"n":1}}}\n\n', true],
  ])('%j → %s', (event, expected) => {
    expect(mayCarryUsageOrError(raw(event))).toBe(expected);
  });

  it('is never false for an event whose data the parse-or-skip rule would parse', () => {
    const piece = fc.constantFrom('"usage"', '"error"', ':', ' ', '\t', '\r', '\n', 'data: ', '{', 'null', 'x', '"', '\\"');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const event = `data: ${pieces.join('')}\n\n`;
        if (readData(event).some((data) => MAY_MATTER.test(data))) expect(mayCarryUsageOrError(raw(event))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('hasEmptyChoices', () => {
  it.each([
    ['data: {"choices":[],"usage":{}}\n\n', true],
    ['data: {"choices" : [ \r\n ] }\n\n', true],
    ['data: {"choices":[{"index":0}]}\n\n', false],
    ['data: {"choices":[{"delta":{"content":"\\"choices\\":[]"}}]}\n\n', false],
    ['data: {"other":[]}\n\n', false],
  ])('%j → %s', (event, expected) => {
    expect(hasEmptyChoices(raw(event))).toBe(expected);
  });

  it('agrees with the regular expression the stripper used on the text', () => {
    const EMPTY_CHOICES = /"choices"\s*:\s*\[\s*\]/;
    const piece = fc.constantFrom('"choices"', ':', '[', ']', ' ', '\r\n', '\t', 'x', '"');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 10 }), (pieces) => {
        const text = pieces.join('');
        expect(hasEmptyChoices(raw(text))).toBe(EMPTY_CHOICES.test(text));
      }),
      { numRuns: 2000 },
    );
  });
});
