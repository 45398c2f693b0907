import { clientError, streamErrorEvent, type ClientErrorKind } from '../../client-error.mapper.js';
import { isJsonObject, objectAt, stringAt } from '../../json.guards.js';
import type { ClientProtocol, JsonObject } from '../../protocol.types.js';
import type { SseEvent } from '../../sse.event-reader.js';
import type { StreamTranslator, StreamTranslatorOptions } from '../translate.types.js';

/** A translator that also tells how many upstream events it could not read (malformed JSON, skipped). */
export interface CountingStreamTranslator extends StreamTranslator {
  readonly skippedEvents: number;
}

export interface StreamTranslatorSettings extends StreamTranslatorOptions {
  /** Unix seconds stamped on chunks and responses (`created`, `created_at`); read from the clock when absent. */
  readonly createdAt?: number;
}

/** What one upstream SSE event holds: the end marker of chat completions, a JSON object, or nothing readable. */
export type UpstreamData = { readonly kind: 'done' } | { readonly kind: 'json'; readonly value: JsonObject } | { readonly kind: 'unreadable' };

const DONE: UpstreamData = { kind: 'done' };
const UNREADABLE: UpstreamData = { kind: 'unreadable' };

export function upstreamDataOf(event: SseEvent): UpstreamData {
  const text = event.data.trim();
  if (text === '[DONE]') return DONE;
  if (text.length === 0) return UNREADABLE;
  try {
    const parsed: unknown = JSON.parse(text);
    return isJsonObject(parsed) ? { kind: 'json', value: parsed } : UNREADABLE;
  } catch {
    return UNREADABLE;
  }
}

/** A table's own entry: upstream words such as `constructor` must not reach Object.prototype. */
export function entryOf<T>(table: Readonly<Record<string, T>>, key: string | undefined): T | undefined {
  return key !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}

/**
 * Anthropic's `ping` as an SSE comment, which every SSE client skips: the client still sees bytes while the upstream
 * thinks (thinking is not passed to OpenAI clients), so idle-read timeouts on its side do not fire.
 */
/**
 * One event of an Anthropic upstream through the handler its `type` names (events of unknown types pass unseen, as
 * the API asks of clients); an event whose data cannot be read is counted by `skip`. Nothing once `state` is closed.
 */
export function anthropicEventText<S extends { closed: boolean }>(
  handlers: Readonly<Record<string, (state: S, data: JsonObject) => string>>,
  state: S,
  event: SseEvent,
  skip: () => void,
): string {
  if (state.closed) return '';
  const data = upstreamDataOf(event);
  if (data.kind !== 'json') {
    if (data.kind === 'unreadable') skip();
    return '';
  }
  const handler = entryOf(handlers, stringAt(data.value, 'type') ?? event.event ?? undefined);
  return handler === undefined ? '' : handler(state, data.value);
}

export const KEEPALIVE_COMMENT = ': ping\n\n';

/** An unnamed event, as chat completions stream them. */
export function dataEvent(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

/** A named event: Anthropic and the Responses API repeat the payload's `type` in the `event:` line. */
export function namedEvent(name: string, payload: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`;
}

const ANTHROPIC_ERROR_KINDS: Readonly<Record<string, ClientErrorKind>> = {
  invalid_request_error: 'bad_request',
  request_too_large: 'bad_request',
  authentication_error: 'invalid_api_key',
  permission_error: 'permission_denied',
  not_found_error: 'model_not_found',
  rate_limit_error: 'rate_limited',
  timeout_error: 'upstream_timeout',
  overloaded_error: 'upstream_unavailable',
  api_error: 'upstream_unavailable',
};

const OPENAI_ERROR_KINDS: Readonly<Record<string, ClientErrorKind>> = {
  invalid_request_error: 'bad_request',
  invalid_api_key: 'invalid_api_key',
  authentication_error: 'invalid_api_key',
  permission_denied: 'permission_denied',
  model_not_found: 'model_not_found',
  rate_limit_error: 'rate_limited',
  rate_limit_exceeded: 'rate_limited',
  insufficient_quota: 'rate_limited',
  timeout: 'upstream_timeout',
  server_error: 'upstream_unavailable',
};

/** An error reported inside an upstream stream, in neutral terms. */
export interface UpstreamStreamError {
  readonly kind: ClientErrorKind;
  /** Status the kind maps to where two are possible (overloaded → 503). */
  readonly status?: number;
  /** The upstream's message, or null where it must not be passed on (credentials are echoed in auth errors). */
  readonly message: string | null;
}

const MAX_ERROR_MESSAGE = 500;

function safeMessage(kind: ClientErrorKind, message: string | undefined): string | null {
  if (kind === 'invalid_api_key' || message === undefined || message.trim().length === 0) return null;
  return message.length > MAX_ERROR_MESSAGE ? `${message.slice(0, MAX_ERROR_MESSAGE)}…` : message;
}

/** Anthropic `{type:"error", error:{type, message}}`. */
export function anthropicStreamError(data: JsonObject): UpstreamStreamError {
  const inner = objectAt(data, 'error');
  const type = stringAt(inner, 'type') ?? 'api_error';
  const kind = entryOf(ANTHROPIC_ERROR_KINDS, type) ?? 'upstream_unavailable';
  return { kind, ...(type === 'overloaded_error' ? { status: 503 } : {}), message: safeMessage(kind, stringAt(inner, 'message')) };
}

/** OpenAI `{error:{message, type, code}}`: the code is the more specific word where both are known. */
export function openAiStreamError(data: JsonObject): UpstreamStreamError {
  const inner = objectAt(data, 'error');
  const code = stringAt(inner, 'code');
  const type = stringAt(inner, 'type');
  const kind = entryOf(OPENAI_ERROR_KINDS, code) ?? entryOf(OPENAI_ERROR_KINDS, type) ?? 'upstream_unavailable';
  return { kind, message: safeMessage(kind, stringAt(inner, 'message') ?? stringAt(data, 'message')) };
}

/** The upstream's error as the client's protocol tells one inside a stream. */
export function clientStreamError(protocol: ClientProtocol, error: UpstreamStreamError): string {
  const message = error.message === null ? undefined : `Upstream error: ${error.message}`;
  return streamErrorEvent(protocol, clientError(protocol, error.kind, message, error.status === undefined ? {} : { status: error.status }));
}

export function nowSeconds(settings: StreamTranslatorSettings): number {
  return settings.createdAt ?? Math.floor(Date.now() / 1000);
}
