/** Which family of API a call spoke; the mock tells them apart as the real services do. */
export type MockProtocol = 'openai' | 'anthropic';

/** The endpoint a call hit. */
export type MockEndpoint = 'chat_completions' | 'responses' | 'messages' | 'models';

export type MockFaultStatus = 400 | 401 | 403 | 404 | 429 | 500 | 502 | 503 | 504 | 529;

export type MockFault =
  /** Answer with this status in the protocol's error shape (Retry-After in seconds when given). */
  | { readonly kind: 'status'; readonly status: MockFaultStatus; readonly retryAfter?: number }
  /** Read the request and never answer. */
  | { readonly kind: 'timeout' }
  /** Send headers and `afterChunks` content chunks, then destroy the socket (non-streamed: half the body). */
  | { readonly kind: 'cut'; readonly afterChunks: number };

export interface MockLlmOptions {
  /** Delay before the response headers, in ms. */
  readonly latencyMs: number;
  /** Delay before each content chunk after the first, in ms. */
  readonly interChunkDelayMs: number;
  /** Number of content chunks a streamed answer has (at most the reply's length). */
  readonly chunks: number;
  /** The generated text, split into `chunks` pieces. */
  readonly reply: string;
  /** Output tokens reported when the request sets no maximum; with a maximum, the maximum is reported. */
  readonly outputTokens: number;
  /** Input tokens to report instead of the estimate from the request size (see estimateInputTokens). */
  readonly inputTokens: number | null;
  /** Cached tokens reported (capped at the input tokens). */
  readonly cachedTokens: number;
  /**
   * Web searches the answer reports having run (Responses: `web_search_call` output items; Messages:
   * `usage.server_tool_use.web_search_requests`), as a provider that bills them per call does.
   */
  readonly serverToolCalls: number;
  /** Served by GET /v1/models. */
  readonly models: readonly string[];
  /** The most models one page of Anthropic's model list holds, whatever `limit` asks (the real API allows 1000). */
  readonly modelsPageLimit: number;
  /** Refuse models not in `models` with 404, as the real APIs do. Off by default: tests name models freely. */
  readonly rejectUnknownModels: boolean;
  /** The key a call must carry (Bearer or x-api-key); null accepts any, or none. */
  readonly requiredKey: string | null;
  readonly fault: MockFault | null;
  /** Apply the fault to the next N calls only, then clear it; null applies it to every call. */
  readonly faultCount: number | null;
  /**
   * Called just before each content chunk of a streamed answer is written (its 0-based index among the call's
   * content chunks): a benchmark in the same process times when the chunk left against when its client read it.
   */
  readonly onContentWrite: ((call: MockCall, index: number) => void) | null;
}

export const DEFAULT_MOCK_LLM_OPTIONS: MockLlmOptions = {
  latencyMs: 0,
  interChunkDelayMs: 0,
  chunks: 4,
  reply: 'Hello from the mock upstream.',
  outputTokens: 16,
  inputTokens: null,
  cachedTokens: 0,
  serverToolCalls: 0,
  models: ['gpt-mock', 'claude-mock'],
  modelsPageLimit: 1000,
  rejectUnknownModels: false,
  requiredKey: null,
  fault: null,
  faultCount: null,
  onContentWrite: null,
};

/**
 * Token counts in one meaning for both families: `inputTokens` counts every prompt token (cache reads
 * included), `cachedTokens` is the part of it read from cache. On the wire, OpenAI reports exactly
 * that; Anthropic reports `input_tokens` = inputTokens − cachedTokens beside `cache_read_input_tokens`.
 */
export interface MockUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cachedTokens: number;
}

export interface MockCall {
  readonly protocol: MockProtocol;
  readonly endpoint: MockEndpoint;
  readonly method: string;
  readonly path: string;
  readonly model: string | null;
  readonly stream: boolean;
  /** Lower-cased names; auth headers kept so tests can check what was forwarded. */
  readonly headers: Readonly<Record<string, string>>;
  /** The parsed JSON body (undefined for GET, the raw text when it was not JSON). */
  readonly body: unknown;
  /** The status sent; null while nothing was sent, and for a `timeout` fault. */
  readonly status: number | null;
  readonly fault: MockFault['kind'] | null;
  /**
   * The usage the wire carried, as far as the client could have read it: null when nothing reported
   * usage (errors, a chat stream without include_usage, a stream cut before its usage event). A stream
   * cut midway keeps what its events reported before the cut: Anthropic's `message_start` reports the
   * input and cached tokens with 1 output token; OpenAI streams report usage only at their end.
   */
  readonly usage: MockUsage | null;
}
