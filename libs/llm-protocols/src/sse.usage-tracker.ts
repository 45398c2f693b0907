import { isJsonObject } from './json.guards.js';
import { ADAPTERS } from './protocol.registry.js';
import type { ClientProtocol, ProtocolAdapter, RawUsage, TokenUsage } from './protocol.types.js';
import { SseEventReader, type SseEvent } from './sse.event-reader.js';
import { normalizeUsage } from './usage.extractor.js';

/**
 * Once the first token is known, only events that may carry usage or an error are parsed: content
 * deltas are the bulk of a stream and JSON.parse on each would cost the hot path for nothing.
 * A false positive (the text inside a delta) only costs one parse.
 */
const MAY_MATTER = /"usage"\s*:\s*\{|"error"/;

/**
 * Watches a streamed answer as it passes to the client, never holding it back: the caller forwards
 * each chunk unchanged and hands a reference here. Keeps the last usage the stream reported
 * (field by field, as Anthropic splits it over `message_start` and `message_delta`).
 */
export class UsageTracker {
  private readonly adapter: ProtocolAdapter;
  private readonly reader = new SseEventReader();
  private readonly onEvent = (event: SseEvent): void => this.observe(event);
  private raw: RawUsage | null = null;
  private firstToken = false;
  private error: string | null = null;

  constructor(protocol: ClientProtocol) {
    this.adapter = ADAPTERS[protocol];
  }

  push(chunk: Uint8Array): void {
    this.reader.push(chunk, this.onEvent);
  }

  /** The upstream finished (or broke off): reads an event left without its closing blank line. */
  end(): void {
    this.reader.end(this.onEvent);
  }

  /** Usage as reported so far, normalised (see TokenUsage); null when the stream reported none. */
  usage(): TokenUsage | null {
    return this.raw === null ? null : normalizeUsage(this.adapter.config, this.raw);
  }

  /** Whether any generated content has passed yet (time to first token). */
  get sawFirstToken(): boolean {
    return this.firstToken;
  }

  /** The error type of an error event inside the stream (after a 200), or null. */
  get streamError(): string | null {
    return this.error;
  }

  private observe(event: SseEvent): void {
    if (event.data.length === 0 || event.data === '[DONE]') return;
    if (this.firstToken && !MAY_MATTER.test(event.data)) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(event.data);
    } catch {
      return;
    }
    if (!isJsonObject(parsed)) return;
    const facts = this.adapter.streamEventFacts(parsed);
    if (facts.usage !== undefined) this.raw = { ...this.raw, ...facts.usage };
    if (facts.token === true) this.firstToken = true;
    if (facts.error !== undefined) this.error = facts.error;
  }
}
