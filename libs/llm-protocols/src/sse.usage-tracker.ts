import { isJsonObject } from './json.guards.js';
import { ADAPTERS } from './protocol.registry.js';
import type { ClientProtocol, ProtocolAdapter, RawUsage, TokenUsage } from './protocol.types.js';
import { HeldEvent, SseEventBoundaries, bytesAsText, mayCarryUsageOrError } from './sse.event-bytes.js';
import { SseEventReader, type SseEvent } from './sse.event-reader.js';
import { normalizeUsage } from './usage.extractor.js';
import { responseModelOf } from './response-model.js';

/**
 * The first bytes of a stream are kept (by reference: the chunks exist anyway) for an estimate of what it
 * generated when it ends without its usage; past this, only the count of bytes goes on.
 */
export const KEPT_STREAM_BYTES = 1024 * 1024;

/** What a stream generated, as far as it came: the text of the kept part and how much of the stream that was. */
export interface GeneratedText {
  readonly text: string;
  readonly keptBytes: number;
  readonly totalBytes: number;
}

/**
 * Watches a streamed answer as it passes to the client, never holding it back: the caller forwards
 * each chunk unchanged and hands a reference here. Keeps the last usage the stream reported
 * (field by field, as Anthropic splits it over `message_start` and `message_delta`), whether that usage
 * was the final report, and the first KEPT_STREAM_BYTES for generatedText().
 */
export class UsageTracker {
  private readonly adapter: ProtocolAdapter;
  /** Events are framed on their bytes; only those that may matter are decoded and parsed (see push). */
  private readonly boundaries = new SseEventBoundaries();
  private readonly held = new HeldEvent();
  /** The event in progress outgrew the bound: it is dropped up to its end, never parsed. */
  private oversized = false;
  private readonly reader = new SseEventReader();
  private readonly onEvent = (event: SseEvent): void => this.observe(event);
  private raw: RawUsage | null = null;
  private firstToken = false;
  private error: string | null = null;
  private final = false;
  private model: string | null = null;
  private readonly kept: Uint8Array[] = [];
  private keptBytes = 0;
  private totalBytes = 0;

  constructor(protocol: ClientProtocol) {
    this.adapter = ADAPTERS[protocol];
  }

  /**
   * Until the first token every event is parsed (its model, its first facts); after it, only events whose bytes may
   * carry usage or an error (mayCarryUsageOrError): content deltas are the bulk of a stream, and decoding and parsing
   * each would cost every chunk for nothing. The reader only ever gets whole events, so skipping one leaves it clean.
   */
  push(chunk: Uint8Array): void {
    this.totalBytes += chunk.length;
    if (this.keptBytes < KEPT_STREAM_BYTES) {
      this.kept.push(chunk);
      this.keptBytes += chunk.length;
    }
    const text = bytesAsText(chunk);
    let start = 0;
    this.boundaries.scan(text, (end) => {
      const event = this.held.complete(text.slice(start, end));
      start = end;
      if (this.oversized) this.oversized = false;
      else this.consider(event);
    });
    if (!this.oversized && !this.held.hold(text.slice(start))) {
      this.held.take();
      this.oversized = true;
    }
  }

  /** The upstream finished (or broke off): reads an event left without its closing blank line. */
  end(): void {
    const rest = this.held.take();
    if (!this.oversized && rest.length > 0) this.consider(rest);
    this.oversized = false;
    this.reader.end(this.onEvent);
  }

  /** Usage as reported so far, normalised (see TokenUsage); null when the stream reported none. */
  usage(): TokenUsage | null {
    return this.raw === null ? null : normalizeUsage(this.adapter.config, this.raw);
  }

  /** The stream delivered its final usage report: the call's figures need no estimate. */
  get complete(): boolean {
    return this.final;
  }

  /**
   * The text generated in the kept part of the stream. Parses every kept event, so it is for the end of a call
   * that needs an estimate, never for the hot path.
   */
  generatedText(): GeneratedText {
    const reader = new SseEventReader();
    let text = '';
    const onEvent = (event: SseEvent): void => {
      if (event.data.length === 0 || event.data === '[DONE]') return;
      try {
        const parsed: unknown = JSON.parse(event.data);
        if (isJsonObject(parsed)) text += this.adapter.streamEventText(parsed);
      } catch {
        // A torn last event (the stream was cut): its text is not counted.
      }
    };
    for (const chunk of this.kept) reader.push(chunk, onEvent);
    reader.end(onEvent);
    return { text, keptBytes: this.keptBytes, totalBytes: this.totalBytes };
  }

  /** Whether any generated content has passed yet (time to first token). */
  get sawFirstToken(): boolean {
    return this.firstToken;
  }

  /** The model the stream says generated it (named in its first events), or null. */
  get responseModel(): string | null {
    return this.model;
  }

  /** The error type of an error event inside the stream (after a 200), or null. */
  get streamError(): string | null {
    return this.error;
  }

  /** `event`: a whole event's bytes (bytesAsText), or the unterminated last one. */
  private consider(event: string): void {
    if (this.firstToken && !mayCarryUsageOrError(event)) return;
    this.reader.push(Buffer.from(event, 'latin1'), this.onEvent);
  }

  private observe(event: SseEvent): void {
    if (event.data.length === 0 || event.data === '[DONE]') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(event.data);
    } catch {
      return;
    }
    if (!isJsonObject(parsed)) return;
    this.model ??= responseModelOf(parsed);
    const facts = this.adapter.streamEventFacts(parsed);
    if (facts.usage !== undefined) this.raw = { ...this.raw, ...facts.usage };
    if (facts.token === true) this.firstToken = true;
    if (facts.error !== undefined) this.error = facts.error;
    if (facts.final === true) this.final = true;
  }
}
