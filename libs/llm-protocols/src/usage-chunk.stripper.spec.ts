import fc from 'fast-check';
import { UsageChunkStripper } from './usage-chunk.stripper.js';
import { splitAt } from './testing/split-at.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const content = 'data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"hé😀"},"finish_reason":null}],"usage":null}\n\n';
const finish = 'data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}\n\n';
const usageChunk = 'data: {"id":"c","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}\n\n';
const done = 'data: [DONE]\n\n';

function strip(chunks: readonly Uint8Array[]): string {
  const stripper = new UsageChunkStripper();
  let out = '';
  for (const c of chunks) out += decoder.decode(stripper.push(c), { stream: true });
  return out + decoder.decode(stripper.end());
}

describe('UsageChunkStripper', () => {
  it('drops the usage-only chunk and passes every other byte through', () => {
    expect(strip([encoder.encode(content + finish + usageChunk + done)])).toBe(content + finish + done);
  });

  it('passes complete events on at once, holding only an incomplete one', () => {
    const stripper = new UsageChunkStripper();
    expect(decoder.decode(stripper.push(encoder.encode(content + finish.slice(0, 20))))).toBe(content);
    expect(decoder.decode(stripper.push(encoder.encode(finish.slice(20))))).toBe(finish);
  });

  it('strips the same way however the stream is split', () => {
    const bytes = encoder.encode(content + content + finish + usageChunk + done);
    const expected = content + content + finish + done;
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 20 }), (cuts) => {
        const chunks = splitAt(bytes, cuts);
        expect(strip(chunks)).toBe(expected);
      }),
      { numRuns: 100 },
    );
  });

  it('keeps a chunk with empty choices that carries no usage, and CRLF streams work too', () => {
    const noUsage = 'data: {"choices":[],"usage":null}\n\n';
    expect(strip([encoder.encode(noUsage + done)])).toBe(noUsage + done);
    const crlf = (s: string) => s.replaceAll('\n', '\r\n');
    expect(strip([encoder.encode(crlf(content + usageChunk + done))])).toBe(crlf(content + done));
  });

  it('passes a chunk of whole events on as the same bytes, uncopied', () => {
    const chunk = Buffer.from(content + finish);
    expect(new UsageChunkStripper().push(chunk)).toBe(chunk);
  });

  it('strips a CRLF usage chunk however the stream is split, the `data:` prefix and a `\\r\\n` pair included', () => {
    const crlf = (s: string) => s.replaceAll('\n', '\r\n');
    const bytes = encoder.encode(crlf(content + finish + usageChunk + done));
    const expected = crlf(content + finish + done);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 20 }), (cuts) => {
        const chunks = splitAt(bytes, cuts);
        expect(strip(chunks)).toBe(expected);
      }),
      { numRuns: 100 },
    );
    expect(strip([...bytes].map((b) => Uint8Array.of(b)))).toBe(expected);
  });

  it('lets an event with no boundary in sight through rather than hold it without end', () => {
    const stripper = new UsageChunkStripper();
    const long = `data: ${'x'.repeat(1 << 20)}`;
    expect(stripper.push(encoder.encode(long)).length).toBe(long.length);
  });
});
