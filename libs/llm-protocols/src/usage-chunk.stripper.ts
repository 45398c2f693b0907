import { isJsonObject } from './json.guards.js';
import { HeldEvent, SseEventBoundaries, asBuffer, hasEmptyChoices } from './sse.event-bytes.js';

/**
 * Drops the usage-only chunk (`choices: []`, `usage: {…}`) from a chat completions stream. The
 * proxy forces `stream_options.include_usage` upstream so that every stream reports usage; a client
 * that did not ask for it must not receive the extra chunk. Complete events pass on at once; only an
 * event still incomplete at the end of a chunk is held until its blank line arrives. Works on the bytes: a chunk
 * of whole events, none with empty `choices`, passes on as the same Buffer, neither decoded nor copied.
 */
export class UsageChunkStripper {
  private readonly boundaries = new SseEventBoundaries();
  private readonly held = new HeldEvent();

  push(chunk: Uint8Array): Uint8Array {
    const bytes = asBuffer(chunk);
    const text = bytes.toString('latin1');
    const heldBefore = this.held.length > 0;
    const events: string[] = [];
    let dropped = false;
    let cut = 0;
    this.boundaries.scan(text, (end) => {
      // The first event this chunk ends starts with what was held.
      const event = this.held.complete(text.slice(cut, end));
      cut = end;
      if (hasEmptyChoices(event) && isUsageOnlyChunk(event)) dropped = true;
      else events.push(event);
    });
    const out = dropped || heldBefore ? Buffer.from(events.join(''), 'latin1') : cut === bytes.length ? bytes : bytes.subarray(0, cut);
    const rest = text.slice(cut);
    if (this.held.hold(rest)) return out;
    // No event boundary in sight for too long: this is no usage chunk, let it through.
    return Buffer.concat([out, Buffer.from(this.held.take() + rest, 'latin1')]);
  }

  /** The upstream finished: whatever is held passes on (an unterminated event is never a usage chunk we can judge). */
  end(): Uint8Array {
    return Buffer.from(this.held.take(), 'latin1');
  }
}

/** A chat completions chunk (bytesAsText) with no choices and a usage object (its data lines joined, as SSE reads them). */
function isUsageOnlyChunk(event: string): boolean {
  const data = Buffer.from(event, 'latin1')
    .toString('utf8')
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
