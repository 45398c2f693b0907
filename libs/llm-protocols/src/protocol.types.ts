import type { Protocol } from '@switchboard/contracts';

/** The wire protocol a client speaks to one of the proxy routes. */
export const CLIENT_PROTOCOLS = ['openai_chat', 'openai_responses', 'anthropic_messages'] as const;
export type ClientProtocol = (typeof CLIENT_PROTOCOLS)[number];

/** What a provider's endpoint speaks (from contracts): `openai` serves both chat completions and responses. */
export type ProviderProtocol = Protocol;

export type JsonObject = Readonly<Record<string, unknown>>;

/**
 * Token counts with one meaning whatever the wire format: `inputTokens` counts every prompt token,
 * cache reads and cache writes included; `cachedTokens` is the part of `inputTokens` read from cache.
 */
export interface TokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cachedTokens: number;
  /** Calls of tools the provider ran and bills apart (searches, code runs), where the upstream reported them. */
  readonly serverToolCalls?: number;
}

/** Counts as one wire event or body reports them; absent fields were not reported there. */
export interface RawUsage {
  readonly input?: number;
  readonly output?: number;
  readonly cacheRead?: number;
  readonly cacheWrite?: number;
  readonly serverToolCalls?: number;
}

/** What one streamed event tells the proxy. */
export interface StreamFacts {
  readonly usage?: RawUsage;
  /** The event carries generated content (text, tool arguments, reasoning): time to first token. */
  readonly token?: boolean;
  /** The upstream reported an error inside a 200 stream; its error type. */
  readonly error?: string;
  /** The usage in this event is the call's last word: nothing of it is left to estimate. */
  readonly final?: boolean;
}

/** Declarative part of an adapter: everything the proxy needs to know that is not a transform. */
export interface ProtocolConfig {
  readonly clientProtocol: ClientProtocol;
  readonly providerProtocol: ProviderProtocol;
  /** The gateway route clients call. */
  readonly route: string;
  /** Appended to the provider's endpoint, whose configured base URL ends in `/v1` by convention. */
  readonly upstreamPath: string;
  /** Request fields that bound the output, in precedence order. */
  readonly maxTokensFields: readonly string[];
  /** The protocol itself rejects a request without a bound (Anthropic's `max_tokens`). */
  readonly maxTokensRequired: boolean;
  /** Chat completions report usage in a stream only when asked to (`stream_options.include_usage`). */
  readonly streamUsageOptIn: boolean;
  /** OpenAI counts cached tokens inside its input count; Anthropic reports them beside it. */
  readonly inputIncludesCached: boolean;
  readonly errorDialect: 'openai' | 'anthropic';
}

export interface ModelListing {
  readonly id: string;
  /** ISO-8601 timestamp. */
  readonly createdAt: string;
  readonly displayName?: string;
}

/** A protocol adapter: declarative config plus pure transforms of that protocol's payloads. */
export interface ProtocolAdapter {
  readonly config: ProtocolConfig;
  /** Usage of a non-streamed answer, or null when the body carries none. */
  rawUsageFromResponse(json: unknown): RawUsage | null;
  /** Facts of one streamed event's parsed `data`. */
  streamEventFacts(data: JsonObject): StreamFacts;
  /** The generated text (content, reasoning, tool arguments) one streamed event carries; '' when none. */
  streamEventText(data: JsonObject): string;
  modelsListBody(models: readonly ModelListing[]): JsonObject;
}
