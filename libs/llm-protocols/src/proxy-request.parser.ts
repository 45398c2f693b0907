import { appError, fail, ok, type AppError, type Result } from '@switchboard/contracts';
import { isJsonObject } from './json.guards.js';
import { ADAPTERS } from './protocol.registry.js';
import type { ClientProtocol, JsonObject } from './protocol.types.js';

/** What the proxy reads from a client's request; everything else passes through untouched. */
export interface ProxyRequest {
  readonly model: string;
  readonly stream: boolean;
  /** The output bound the client set (the protocol's own field), or null when it set none. */
  readonly maxOutputTokens: number | null;
  /** openai_chat only: the client asked for the usage chunk (`stream_options.include_usage`). */
  readonly includeUsage?: boolean;
}

export interface UpstreamBody {
  /** The body to forward, serialised by the caller. */
  readonly body: JsonObject;
  /** The proxy asked for a usage chunk the client did not ask for: drop it with UsageChunkStripper. */
  readonly stripUsageChunk: boolean;
}

const MAX_MODEL_CHARS = 256;

const invalid = (field: string, message: string): { readonly ok: false; readonly error: AppError } =>
  fail(appError('validation_failed', field === '' ? message : `${field}: ${message}`, field === '' ? undefined : { field }));

export function parseProxyRequest(protocol: ClientProtocol, body: unknown): Result<ProxyRequest, AppError> {
  const config = ADAPTERS[protocol].config;
  if (!isJsonObject(body)) return invalid('', 'the request body must be a JSON object');

  const model = body['model'];
  if (typeof model !== 'string' || model.trim().length === 0) return invalid('model', 'must be a non-empty string');
  if (model.length > MAX_MODEL_CHARS) return invalid('model', `must be at most ${MAX_MODEL_CHARS} characters`);

  const stream = body['stream'] ?? false;
  if (typeof stream !== 'boolean') return invalid('stream', 'must be a boolean');

  let maxOutputTokens: number | null = null;
  for (const field of config.maxTokensFields) {
    const value = body[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) return invalid(field, 'must be a positive integer');
    maxOutputTokens = value;
    break;
  }
  if (maxOutputTokens === null && config.maxTokensRequired) return invalid(config.maxTokensFields[0] ?? 'max_tokens', 'is required');

  if (!config.streamUsageOptIn) return ok({ model, stream, maxOutputTokens });
  const options = body['stream_options'] ?? null;
  if (options !== null && !isJsonObject(options)) return invalid('stream_options', 'must be an object');
  const includeUsage = options?.['include_usage'] ?? false;
  if (typeof includeUsage !== 'boolean') return invalid('stream_options.include_usage', 'must be a boolean');
  return ok({ model, stream, maxOutputTokens, includeUsage: stream && includeUsage });
}

export interface UpstreamBodyOptions {
  readonly upstreamModel: string;
  /**
   * An output bound to set, in the protocol's own field, when the client set none: a budgeted call must have
   * a worst case to reserve, and the upstream must be held to it.
   */
  readonly boundOutputTokens?: number;
}

/**
 * The body to forward: the client's, with `model` replaced by the provider's upstream model name.
 * A streamed chat completion also gets `stream_options.include_usage = true`, since without it the
 * upstream reports no usage at all and the call could not be settled.
 * Call only with a body parseProxyRequest accepted.
 */
export function prepareUpstreamBody(protocol: ClientProtocol, body: unknown, options: UpstreamBodyOptions): UpstreamBody {
  if (!isJsonObject(body)) throw new TypeError('prepareUpstreamBody needs a body that parseProxyRequest accepted');
  const config = ADAPTERS[protocol].config;
  const forwarded: Record<string, unknown> = { ...body, model: options.upstreamModel };
  const bound = options.boundOutputTokens;
  if (bound !== undefined && config.maxTokensFields.every((field) => body[field] === undefined || body[field] === null)) {
    forwarded[config.maxTokensFields[0] ?? 'max_tokens'] = bound;
  }
  if (!config.streamUsageOptIn || body['stream'] !== true) return { body: forwarded, stripUsageChunk: false };
  const streamOptions = isJsonObject(body['stream_options']) ? body['stream_options'] : {};
  return {
    body: { ...forwarded, stream_options: { ...streamOptions, include_usage: true } },
    stripUsageChunk: streamOptions['include_usage'] !== true,
  };
}
