import type { ClientProtocol, JsonObject, ProviderProtocol } from '../protocol.types.js';
import type { SseEvent } from '../sse.event-reader.js';

/**
 * The dialect the gateway speaks to an upstream for a client of `client` protocol on a provider speaking `provider`:
 * the client's own where the provider speaks it, else the other family's (chat completions on an `openai` provider,
 * messages on an `anthropic_messages` one).
 */
export function upstreamDialect(client: ClientProtocol, provider: ProviderProtocol): ClientProtocol {
  if (provider === 'anthropic_messages') return 'anthropic_messages';
  return client === 'anthropic_messages' ? 'openai_chat' : client;
}

/** Whether a call needs translating: the client's protocol is not the one the gateway speaks upstream. */
export function needsTranslation(client: ClientProtocol, provider: ProviderProtocol): boolean {
  return upstreamDialect(client, provider) !== client;
}

/** A translation, or the field that cannot be translated (answered as a 400 naming it). */
export type Translated<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly field: string; readonly message: string };

/** A pair of dialects: `from` is what is read, `to` what is written. */
export interface Direction {
  readonly from: ClientProtocol;
  readonly to: ClientProtocol;
}

export interface StreamTranslatorOptions {
  /** The model name the client called, echoed in the events that carry one. */
  readonly model: string;
  /** An OpenAI chat client asked for usage in its last chunk (`stream_options.include_usage`). */
  readonly includeUsage: boolean;
}

/** Rewrites one upstream SSE stream into the client's dialect, event by event, without buffering the answer. */
export interface StreamTranslator {
  /** One upstream event → the SSE text (zero or more whole events) to write to the client now. */
  push(event: SseEvent): string;
  /** The upstream ended: what the client's dialect still expects (a final chunk, `[DONE]`, `message_stop`). */
  end(): string;
}

export type { JsonObject };
