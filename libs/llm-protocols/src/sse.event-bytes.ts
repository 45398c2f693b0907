import { MAX_SSE_EVENT_CHARS } from './sse.event-reader.js';

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;

/** A chunk as a Buffer over the same memory (undici's chunks are Buffers already). */
export const asBuffer = (chunk: Uint8Array): Buffer => (Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));

/**
 * A chunk's bytes one for one as a string (latin1), so that framing and searching it stay in V8's string builtins:
 * one copy per chunk instead of a native call per search. Offsets in it are offsets in the chunk; no UTF-8 is
 * decoded, and `Buffer.from(text, 'latin1')` gives the bytes back exactly.
 */
export const bytesAsText = (chunk: Uint8Array): string => asBuffer(chunk).toString('latin1');

/**
 * Finds where SSE events end in a stream without decoding it: an event ends after a blank line (`\n\n`, with `\r\n`
 * for any of its line ends), which chunks may split anywhere. `\n` never occurs inside a UTF-8 sequence, so the
 * bytes between two ends are a whole event that decodes on its own.
 */
export class SseEventBoundaries {
  /** Bytes of the line in progress seen in earlier chunks. */
  private lineBytes = 0;
  /** The last byte of the previous chunk: a line of one `\r` there is a blank line when its `\n` comes. */
  private lastByte = -1;

  /** Calls `onEventEnd` with the offset in `chunk` (bytesAsText) just past each blank line in it, in order. */
  scan(chunk: string, onEventEnd: (end: number) => void): void {
    let lineStart = 0;
    for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', lineStart)) {
      const length = this.lineBytes + nl - lineStart;
      const onlyByte = nl > lineStart ? chunk.charCodeAt(nl - 1) : this.lastByte;
      this.lineBytes = 0;
      lineStart = nl + 1;
      if (length === 0 || (length === 1 && onlyByte === CR)) onEventEnd(lineStart);
    }
    this.lineBytes += chunk.length - lineStart;
    if (chunk.length > 0) this.lastByte = chunk.charCodeAt(chunk.length - 1);
  }
}

/**
 * The start of an event that a chunk left incomplete (bytesAsText), held until the chunk that ends it. Holds at
 * most MAX_SSE_EVENT_CHARS bytes: `hold` says when an event grew past that.
 */
export class HeldEvent {
  private text = '';

  get length(): number {
    return this.text.length;
  }

  /** The held start joined with `rest`, the event's end in the current chunk; nothing is held afterwards. */
  complete(rest: string): string {
    if (this.text.length === 0) return rest;
    const whole = this.text + rest;
    this.text = '';
    return whole;
  }

  /** Keeps `part` for the next chunk; false (and nothing more kept) when the event would exceed the bound. */
  hold(part: string): boolean {
    if (this.text.length + part.length > MAX_SSE_EVENT_CHARS) return false;
    this.text += part;
    return true;
  }

  /** What is held, and nothing kept. */
  take(): string {
    return this.complete('');
  }
}

/**
 * Whether the text from `at` is `:` and then `expected`, with spaces and tabs around the colon. Any other byte in
 * between (a line break included: SSE would join the data lines) fails the match, so the caller parses the event.
 */
function colonThen(event: string, at: number, expected: number): boolean {
  let i = at;
  while (event.charCodeAt(i) === SPACE || event.charCodeAt(i) === TAB) i++;
  if (event.charCodeAt(i) !== 0x3a) return false;
  i++;
  while (event.charCodeAt(i) === SPACE || event.charCodeAt(i) === TAB) i++;
  return event.charCodeAt(i) === expected;
}

/**
 * Where `"<name>"` starts in `text` from `from`, or -1. Searched as `<name>"` then checked for its opening quote:
 * V8's search skips ahead on the pattern's first character, and a quote is the commonest one in JSON.
 */
function keyAt(text: string, name: string, from: number): number {
  for (let at = text.indexOf(name, from + 1); at !== -1; at = text.indexOf(name, at + 1)) {
    if (text.charCodeAt(at - 1) === QUOTE) return at - 1;
  }
  return -1;
}

const QUOTE = 0x22;
const USAGE = 'usage"';
const ERROR = 'error"';
const CHOICES = 'choices"';

/**
 * Whether an event (bytesAsText) may carry a usage report or an error: `"error"` anywhere, or a `"usage"` not
 * followed by `: null` on the same line (OpenAI sends `"usage":null` in every chunk once usage is asked for). Never
 * false for an event whose data has `"usage": {` or `"error"`; true for some that carry neither (a tool's arguments
 * with such a key), which only costs a parse.
 */
export function mayCarryUsageOrError(event: string): boolean {
  if (keyAt(event, ERROR, -1) !== -1) return true;
  for (let at = keyAt(event, USAGE, -1); at !== -1; at = keyAt(event, USAGE, at + 1)) {
    if (!colonThen(event, at + USAGE.length + 1, 0x6e)) return true;
  }
  return false;
}

/** Whether an event (bytesAsText) holds `"choices"` with an empty array (JSON whitespace allowed): a usage-only chunk does. */
export function hasEmptyChoices(event: string): boolean {
  for (let at = keyAt(event, CHOICES, -1); at !== -1; at = keyAt(event, CHOICES, at + 1)) {
    let i = skipJsonSpace(event, at + CHOICES.length + 1);
    if (event.charCodeAt(i) !== 0x3a) continue;
    i = skipJsonSpace(event, i + 1);
    if (event.charCodeAt(i) !== 0x5b) continue;
    if (event.charCodeAt(skipJsonSpace(event, i + 1)) === 0x5d) return true;
  }
  return false;
}

function skipJsonSpace(text: string, from: number): number {
  let i = from;
  for (let c = text.charCodeAt(i); c === SPACE || c === TAB || c === LF || c === CR; c = text.charCodeAt(++i));
  return i;
}
