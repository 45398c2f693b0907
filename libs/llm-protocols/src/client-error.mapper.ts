import { isJsonObject, objectAt, stringAt } from './json.guards.js';
import { ADAPTERS } from './protocol.registry.js';
import type { ClientProtocol, JsonObject } from './protocol.types.js';

export const CLIENT_ERROR_KINDS = [
  'bad_request',
  'invalid_api_key',
  'permission_denied',
  'model_not_found',
  'rate_limited',
  'budget_exceeded',
  'upstream_unavailable',
  'upstream_timeout',
  'service_unavailable',
  'internal_error',
] as const;
export type ClientErrorKind = (typeof CLIENT_ERROR_KINDS)[number];

export interface ClientError {
  readonly kind: ClientErrorKind;
  readonly status: number;
  readonly body: JsonObject;
  readonly headers: Readonly<Record<string, string>>;
}

export interface ClientErrorExtra {
  /** Sent as Retry-After (whole seconds, rounded up). */
  readonly retryAfterSeconds?: number;
  /** A status other than the kind's default, where the kind allows one (see `statuses`). */
  readonly status?: number;
  /** OpenAI `param`, when the error is about one request field. */
  readonly param?: string;
}

interface KindSpec {
  readonly status: number;
  readonly statuses: (status: number) => boolean;
  readonly title: string;
  readonly openai: { readonly type: string; readonly code: string | null };
  readonly anthropic: (status: number) => string;
  /** Retrying cannot help (a spent budget): tell the official SDKs not to (`x-should-retry`). */
  readonly final?: boolean;
}

const only = (status: number) => (s: number) => s === status;
const always = (type: string) => () => type;

/** The error vocabulary of both families, per kind (types as each API documents them). */
const KINDS: Readonly<Record<ClientErrorKind, KindSpec>> = {
  bad_request: {
    status: 400,
    statuses: (s) => s >= 400 && s < 500 && ![401, 403, 404, 408, 429].includes(s),
    title: 'Bad Request',
    openai: { type: 'invalid_request_error', code: null },
    anthropic: (s) => (s === 413 ? 'request_too_large' : 'invalid_request_error'),
  },
  invalid_api_key: {
    status: 401, statuses: only(401), title: 'Invalid API Key',
    openai: { type: 'invalid_request_error', code: 'invalid_api_key' }, anthropic: always('authentication_error'),
  },
  permission_denied: {
    status: 403, statuses: only(403), title: 'Permission Denied',
    openai: { type: 'invalid_request_error', code: 'permission_denied' }, anthropic: always('permission_error'),
  },
  model_not_found: {
    status: 404, statuses: only(404), title: 'Model Not Available',
    openai: { type: 'invalid_request_error', code: 'model_not_found' }, anthropic: always('not_found_error'),
  },
  rate_limited: {
    status: 429, statuses: only(429), title: 'Rate Limit Exceeded',
    openai: { type: 'rate_limit_error', code: 'rate_limit_exceeded' }, anthropic: always('rate_limit_error'),
  },
  budget_exceeded: {
    status: 429, statuses: only(429), title: 'Budget Exceeded',
    openai: { type: 'insufficient_quota', code: 'budget_exceeded' }, anthropic: always('rate_limit_error'), final: true,
  },
  upstream_unavailable: {
    // 502: the upstream failed or answered garbage; 503: it said it is overloaded or down.
    status: 502, statuses: (s) => s === 502 || s === 503, title: 'Upstream Unavailable',
    openai: { type: 'server_error', code: 'upstream_unavailable' },
    anthropic: (s) => (s === 503 ? 'overloaded_error' : 'api_error'),
  },
  upstream_timeout: {
    status: 504, statuses: only(504), title: 'Upstream Timeout',
    openai: { type: 'server_error', code: 'upstream_timeout' }, anthropic: always('timeout_error'),
  },
  service_unavailable: {
    status: 503, statuses: only(503), title: 'Service Unavailable',
    openai: { type: 'server_error', code: 'service_unavailable' }, anthropic: always('overloaded_error'),
  },
  internal_error: {
    status: 500, statuses: only(500), title: 'Internal Error',
    openai: { type: 'server_error', code: 'internal_error' }, anthropic: always('api_error'),
  },
};

/** An error in the client protocol's own shape: OpenAI `{error:{message,type,param,code}}`, Anthropic `{type:"error",error:{type,message}}`. */
export function clientError(protocol: ClientProtocol, kind: ClientErrorKind, message?: string, extra: ClientErrorExtra = {}): ClientError {
  const spec = KINDS[kind];
  const status = extra.status !== undefined && spec.statuses(extra.status) ? extra.status : spec.status;
  const text = message ?? spec.title;
  const body =
    ADAPTERS[protocol].config.errorDialect === 'openai'
      ? { error: { message: text, type: spec.openai.type, param: extra.param ?? null, code: spec.openai.code } }
      : { type: 'error', error: { type: spec.anthropic(status), message: text } };
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (extra.retryAfterSeconds !== undefined && Number.isFinite(extra.retryAfterSeconds)) {
    headers['retry-after'] = String(Math.max(0, Math.ceil(extra.retryAfterSeconds)));
  }
  if (spec.final === true) headers['x-should-retry'] = 'false';
  return { kind, status, body, headers };
}

export interface UpstreamErrorContext {
  /** Named in messages the proxy writes itself ("Invalid API Key for provider …"). */
  readonly providerName?: string;
  /** The upstream's Retry-After header, passed on for 429 and 503. */
  readonly retryAfter?: string | null;
}

/**
 * An upstream's error answer, in the client protocol's shape, whatever protocol the upstream spoke.
 * The upstream's own message is passed on only where it describes the client's request; for auth
 * failures it is replaced, since providers echo part of the key.
 */
export function mapUpstreamError(protocol: ClientProtocol, status: number, body: unknown, context: UpstreamErrorContext = {}): ClientError {
  const provider = context.providerName === undefined ? 'the provider' : `provider ${context.providerName}`;
  const upstream = upstreamMessage(body);
  const said = upstream === null ? '' : `: ${upstream}`;
  const retryAfterSeconds = parseRetryAfter(context.retryAfter);
  const retry = retryAfterSeconds === undefined ? {} : { retryAfterSeconds };
  if (status === 401) return clientError(protocol, 'invalid_api_key', `Invalid API Key for ${provider}: the provider rejected its credential`);
  if (status === 403) return clientError(protocol, 'permission_denied', `Permission denied by ${provider}${said}`);
  if (status === 404) return clientError(protocol, 'model_not_found', `Model Not Available at ${provider}${said}`);
  if (status === 408 || status === 504) return clientError(protocol, 'upstream_timeout', `Upstream Timeout: ${provider} did not answer in time`);
  if (status === 429) return clientError(protocol, 'rate_limited', `Rate Limit Exceeded at ${provider}${said}`, retry);
  if (status >= 400 && status < 500) return clientError(protocol, 'bad_request', `${provider} refused the request${said}`, { status });
  // 503 and Anthropic's 529 mean "overloaded, come back later"; any other failure is a bad gateway.
  const overloaded = status === 503 || status === 529;
  return clientError(protocol, 'upstream_unavailable', `Upstream Unavailable: ${provider} answered ${status}${said}`, {
    status: overloaded ? 503 : 502,
    ...(overloaded ? retry : {}),
  });
}

const MAX_UPSTREAM_MESSAGE = 500;

/** `error.message` (OpenAI, Anthropic), a top-level `message` (vLLM and other OpenAI-compatibles), or `detail`. */
function upstreamMessage(body: unknown): string | null {
  const parsed = typeof body === 'string' ? safeParse(body) : body;
  if (!isJsonObject(parsed)) return null;
  const nested = objectAt(parsed, 'error');
  const message = stringAt(nested, 'message') ?? stringAt(parsed, 'message') ?? stringAt(parsed, 'detail') ?? stringAt(parsed, 'error');
  if (message === undefined || message.trim().length === 0) return null;
  return message.length > MAX_UPSTREAM_MESSAGE ? `${message.slice(0, MAX_UPSTREAM_MESSAGE)}…` : message;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Retry-After in seconds: delta-seconds only (LLM APIs do not send HTTP dates). */
function parseRetryAfter(value: string | null | undefined): number | undefined {
  if (value == null || !/^\d{1,9}(\.\d+)?$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

/**
 * An error told inside a stream that already answered 200, as each protocol does: a chat completion's `data:` event
 * with `error`, a Responses `error` event, an Anthropic `event: error`. The official clients raise each as an error.
 */
export function streamErrorEvent(protocol: ClientProtocol, error: ClientError): string {
  if (protocol === 'anthropic_messages') return `event: error\ndata: ${JSON.stringify(error.body)}\n\n`;
  if (protocol === 'openai_responses') {
    const inner = objectAt(error.body, 'error');
    const event = { type: 'error', code: stringAt(inner, 'code') ?? null, message: stringAt(inner, 'message') ?? '', param: null };
    return `event: error\ndata: ${JSON.stringify(event)}\n\n`;
  }
  return `data: ${JSON.stringify(error.body)}\n\n`;
}
