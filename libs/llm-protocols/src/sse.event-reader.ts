export interface SseEvent {
  /** The `event:` field, or null when the event had none (chat completions send none). */
  readonly event: string | null;
  /** The `data:` lines of the event joined by `\n`. */
  readonly data: string;
}

/**
 * Longest line, and longest event data, the reader keeps. An upstream that exceeds it cannot make
 * the proxy hold unbounded memory: the oversized event is dropped, the stream itself is untouched.
 */
export const MAX_SSE_EVENT_CHARS = 1 << 20;

/**
 * Incremental Server-Sent Events parser (WHATWG event-stream rules: `field: value` lines, `:`
 * comments, events ended by a blank line). Chunks may split lines and UTF-8 sequences anywhere.
 * Lines end in `\n` or `\r\n`; a lone `\r` terminator is not used by any LLM API and is not supported.
 */
export class SseEventReader {
  private readonly decoder = new TextDecoder();
  private partial = '';
  private overlong = false;
  private eventName: string | null = null;
  private data: string | null = null;
  private broken = false;

  push(chunk: Uint8Array, onEvent: (event: SseEvent) => void): void {
    this.feed(this.decoder.decode(chunk, { stream: true }), onEvent);
  }

  /** The upstream closed: an event without its final blank line still counts. */
  end(onEvent: (event: SseEvent) => void): void {
    this.feed(this.decoder.decode(), onEvent);
    if (this.partial.length > 0 && !this.overlong) this.line(this.partial, onEvent);
    this.partial = '';
    this.line('', onEvent);
  }

  private feed(text: string, onEvent: (event: SseEvent) => void): void {
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      const piece = text.slice(start, nl);
      start = nl + 1;
      if (this.overlong) {
        this.overlong = false;
        this.broken = true;
        continue;
      }
      const line = this.partial.length > 0 ? this.partial + piece : piece;
      this.partial = '';
      this.line(line.endsWith('\r') ? line.slice(0, -1) : line, onEvent);
    }
    const rest = text.slice(start);
    if (this.overlong || rest.length === 0) return;
    if (this.partial.length + rest.length > MAX_SSE_EVENT_CHARS) {
      this.overlong = true;
      this.partial = '';
    } else {
      this.partial += rest;
    }
  }

  private line(line: string, onEvent: (event: SseEvent) => void): void {
    if (line.length === 0) {
      if (this.data !== null && !this.broken) onEvent({ event: this.eventName, data: this.data });
      this.eventName = null;
      this.data = null;
      this.broken = false;
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') {
      this.eventName = value;
    } else if (field === 'data') {
      this.data = this.data === null ? value : `${this.data}\n${value}`;
      if (this.data.length > MAX_SSE_EVENT_CHARS) {
        this.broken = true;
        this.data = '';
      }
    }
  }
}
