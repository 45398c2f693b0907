import { isJsonObject } from './json.guards.js';
import { MAX_SSE_EVENT_CHARS } from './sse.event-reader.js';

const EVENT_END = /\r?\n\r?\n/g;
const EMPTY_CHOICES = /"choices"\s*:\s*\[\s*\]/;
const EMPTY = new Uint8Array(0);

/**
 * Drops the usage-only chunk (`choices: []`, `usage: {…}`) from a chat completions stream. The
 * proxy forces `stream_options.include_usage` upstream so that every stream reports usage; a client
 * that did not ask for it must not receive the extra chunk. Complete events pass on at once; only an
 * event still incomplete at the end of a chunk is held until its blank line arrives.
 */
export class UsageChunkStripper {
  private readonly decoder = new TextDecoder();
  private readonly encoder = new TextEncoder();
  private pending = '';

  push(chunk: Uint8Array): Uint8Array {
    const text = this.pending + this.decoder.decode(chunk, { stream: true });
    let cut = -1;
    for (const match of text.matchAll(EVENT_END)) cut = match.index + match[0].length;
    if (cut === -1) {
      // No event boundary in sight for too long: this is no usage chunk, let it through.
      if (text.length > MAX_SSE_EVENT_CHARS) return this.flushAll(text);
      this.pending = text;
      return EMPTY;
    }
    this.pending = text.slice(cut);
    const complete = text.slice(0, cut);
    return this.encoder.encode(EMPTY_CHOICES.test(complete) ? withoutUsageChunks(complete) : complete);
  }

  /** The upstream finished: whatever is held passes on (an unterminated event is never a usage chunk we can judge). */
  end(): Uint8Array {
    return this.flushAll(this.pending + this.decoder.decode());
  }

  private flushAll(text: string): Uint8Array {
    this.pending = '';
    return text.length === 0 ? EMPTY : this.encoder.encode(text);
  }
}

function withoutUsageChunks(events: string): string {
  let kept = '';
  let start = 0;
  for (const match of events.matchAll(EVENT_END)) {
    const end = match.index + match[0].length;
    const event = events.slice(start, end);
    if (!isUsageOnlyChunk(event)) kept += event;
    start = end;
  }
  return kept;
}

function isUsageOnlyChunk(event: string): boolean {
  if (!EMPTY_CHOICES.test(event)) return false;
  const data = event
    .split(/\r?\n/)
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(5).trimStart())
    .join('\n');
  try {
    const parsed: unknown = JSON.parse(data);
    return isJsonObject(parsed) && Array.isArray(parsed['choices']) && parsed['choices'].length === 0 && isJsonObject(parsed['usage']);
  } catch {
    return false;
  }
}
