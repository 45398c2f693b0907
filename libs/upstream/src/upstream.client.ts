import type { Readable } from 'node:stream';
import { createSecureContext, rootCertificates } from 'node:tls';
import { fail, ok, type Result } from '@switchboard/contracts';
import { Agent, buildConnector } from 'undici';
import { readBounded } from './bounded-body.reader.js';
import type { EgressPolicy } from './egress.policy.js';
import { requestTargetOf } from './endpoint.check.js';
import { systemResolver, type Resolver } from './host.resolver.js';
import { pinnedConnector, type SocketConnector } from './pinned.connector.js';
import { toUpstreamError, upstreamError, type UpstreamError } from './upstream.error.js';

/** undici checks headers/body timeouts on a coarse clock (about half a second), so small values fire late. */
export interface UpstreamTimeouts {
  /** DNS, TCP and TLS of a new connection. */
  readonly connectMs: number;
  /** From sending the request to the response headers; a non-streamed completion spends its whole generation here. */
  readonly headersMs: number;
  /** The longest silence allowed between two chunks of the response body. */
  readonly bodyIdleMs: number;
}

export type RequestTimeouts = Partial<Pick<UpstreamTimeouts, 'headersMs' | 'bodyIdleMs'>>;

export interface UpstreamClientOptions {
  readonly policy: EgressPolicy;
  /** Defaults to the OS resolver (dns.lookup, all records). */
  readonly resolver?: Resolver;
  readonly timeouts?: Partial<UpstreamTimeouts>;
  /** Model discovery and the Test action answer quickly or not at all. */
  readonly jsonTimeouts?: RequestTimeouts;
  readonly maxJsonBytes?: number;
  /** Idle keep-alive sockets are closed after this, unless the upstream's Keep-Alive hint says otherwise. */
  readonly keepAliveTimeoutMs?: number;
  readonly connectionsPerOrigin?: number;
  /** CA certificates trusted in addition to the system roots (a self-hosted upstream with a private CA). */
  readonly extraCa?: readonly (string | Buffer)[];
  /** Wraps the socket opener, which only ever sees checked addresses; for tests and connection telemetry. */
  readonly wrapSocketConnector?: (open: SocketConnector) => SocketConnector;
}

export interface UpstreamRequest {
  /** The tenant the call is made for: SWITCHBOARD_EGRESS_ALLOW entries may be narrowed to tenants. */
  readonly tenantId: string;
  readonly url: string;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array | Readable | null;
  readonly signal?: AbortSignal;
  readonly timeouts?: RequestTimeouts;
}

export type ResponseHeaders = Readonly<Record<string, string | string[] | undefined>>;

export interface UpstreamResponse {
  readonly status: number;
  readonly headers: ResponseHeaders;
  /**
   * Streamed as it arrives; consume it or destroy it, an unread body holds its connection. Errors
   * while reading (body timeout, reset) map with toUpstreamError.
   */
  readonly body: Readable;
}

export interface JsonResponse {
  readonly status: number;
  readonly headers: ResponseHeaders;
  /** The parsed body, or undefined when a non-2xx answer is not JSON (then see `text`). */
  readonly json: unknown;
  readonly text: string;
}

export const DEFAULT_TIMEOUTS: UpstreamTimeouts = { connectMs: 10_000, headersMs: 300_000, bodyIdleMs: 300_000 };
export const DEFAULT_JSON_TIMEOUTS: Required<RequestTimeouts> = { headersMs: 15_000, bodyIdleMs: 15_000 };
export const DEFAULT_MAX_JSON_BYTES = 4 * 1024 * 1024;
/** Enough to drain a small redirect body so its connection can be reused; larger ones are closed. */
const REDIRECT_DRAIN_BYTES = 64 * 1024;

/**
 * The one way out of the gateway to an LLM upstream (one instance per process). Owns the egress
 * policy (checked again on every new connection, for the calling tenant and port), keep-alive pools
 * per origin, timeouts, the no-redirect rule and error mapping. Proxy calls stream; discovery and
 * Test read bounded JSON.
 */
export class UpstreamClient {
  /**
   * Pools per connection scope (EgressPolicy.connectionScope): a socket admitted for a tenant an entry
   * names is never reused by another tenant. At most one per tenant named in the policy, plus one.
   */
  private readonly agents = new Map<string | null, Agent>();
  private readonly timeouts: UpstreamTimeouts;
  private readonly jsonTimeouts: Required<RequestTimeouts>;
  private readonly maxJsonBytes: number;
  private readonly openSocket: SocketConnector;
  private closed = false;

  constructor(private readonly options: UpstreamClientOptions) {
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.jsonTimeouts = { ...DEFAULT_JSON_TIMEOUTS, ...options.jsonTimeouts };
    this.maxJsonBytes = options.maxJsonBytes ?? DEFAULT_MAX_JSON_BYTES;
    // One context built up front: passing `ca` per connection would rebuild the root store each time.
    const secureContext = options.extraCa === undefined ? undefined : createSecureContext({ ca: [...rootCertificates, ...options.extraCa] });
    const openSocket = buildConnector({ timeout: this.timeouts.connectMs, ...(secureContext === undefined ? {} : { secureContext }) });
    this.openSocket = options.wrapSocketConnector?.(openSocket) ?? openSocket;
  }

  private agentFor(tenantId: string): Agent {
    const scope = this.options.policy.connectionScope(tenantId);
    const existing = this.agents.get(scope);
    if (existing !== undefined) return existing;
    const connect = pinnedConnector({
      policy: this.options.policy,
      tenantId: scope,
      resolver: this.options.resolver ?? systemResolver,
      resolveTimeoutMs: this.timeouts.connectMs,
      openSocket: this.openSocket,
    });
    const agent = new Agent({
      connect,
      headersTimeout: this.timeouts.headersMs,
      bodyTimeout: this.timeouts.bodyIdleMs,
      keepAliveTimeout: this.options.keepAliveTimeoutMs ?? 4_000,
      // No pipelining: an LLM call can run for minutes and would hold up every call queued behind it.
      pipelining: 1,
      connections: this.options.connectionsPerOrigin ?? null,
    });
    this.agents.set(scope, agent);
    return agent;
  }

  /** Sends a request and hands back the response as soon as its headers arrive. A 3xx is an error, never followed. */
  async request(request: UpstreamRequest): Promise<Result<UpstreamResponse, UpstreamError>> {
    const target = requestTargetOf(request.url);
    if (!target.ok) return fail(upstreamError('invalid_request', target.error.message));
    const { origin, path } = target.value;
    if (request.signal?.aborted === true) return fail(toUpstreamError(undefined, origin, request.signal));
    // A pool made after close() would never be closed.
    if (this.closed) return fail(upstreamError('connect_failed', `request to ${origin} after the upstream client was closed`));
    try {
      const response = await this.agentFor(request.tenantId).request({
        origin,
        path,
        method: request.method ?? 'GET',
        headers: request.headers ?? {},
        body: request.body ?? null,
        signal: request.signal ?? null,
        headersTimeout: request.timeouts?.headersMs ?? this.timeouts.headersMs,
        bodyTimeout: request.timeouts?.bodyIdleMs ?? this.timeouts.bodyIdleMs,
      });
      const status = response.statusCode;
      if (status >= 300 && status < 400) {
        await response.body.dump({ limit: REDIRECT_DRAIN_BYTES }).catch(() => undefined);
        return fail(upstreamError('redirect', `${origin} answered ${status}${redirectTarget(response.headers['location'], origin)}; redirects are not followed`, status));
      }
      return ok({ status, headers: response.headers, body: response.body });
    } catch (error) {
      return fail(toUpstreamError(error, origin, request.signal));
    }
  }

  /** Model discovery: a GET whose answer is read whole (bounded) and parsed as JSON. */
  getJson(request: Omit<UpstreamRequest, 'method' | 'body'>): Promise<Result<JsonResponse, UpstreamError>> {
    return this.requestJson({ ...request, method: 'GET' });
  }

  /** The Test action and discovery: any request whose answer is read whole (at most maxJsonBytes) as JSON. */
  async requestJson(request: UpstreamRequest): Promise<Result<JsonResponse, UpstreamError>> {
    const sent = await this.request({
      ...request,
      headers: { accept: 'application/json', ...request.headers },
      timeouts: { ...this.jsonTimeouts, ...request.timeouts },
    });
    if (!sent.ok) return sent;
    const { status, headers, body } = sent.value;
    const origin = new URL(request.url).origin;
    let text: string;
    try {
      const read = await readBounded(body, this.maxJsonBytes, headers['content-length']);
      if (!read.ok) return fail(upstreamError('too_large', `response from ${origin} exceeds ${this.maxJsonBytes} bytes`));
      text = read.bytes.toString('utf8');
    } catch (error) {
      return fail(toUpstreamError(error, origin, request.signal));
    }
    const json = parseJson(text);
    if (json === NOT_JSON && status >= 200 && status < 300) {
      return fail(upstreamError('bad_response', `${origin} answered ${status} with a body that is not JSON`));
    }
    return ok({ status, headers, json: json === NOT_JSON ? undefined : json, text });
  }

  /** Closes idle connections and waits for requests in flight. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.agents.values()].map((agent) => agent.close()));
  }
}

const NOT_JSON = Symbol('not json');

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}

/**
 * Says whether a redirect stayed on the upstream's origin, never where it went: the location is the upstream's
 * to choose (a path or query may carry a signed token, an origin may be 80 KB long), and messages reach logs and
 * API clients.
 */
function redirectTarget(location: string | string[] | undefined, origin: string): string {
  if (typeof location !== 'string') return '';
  try {
    return new URL(location, origin).origin === origin ? ' (to the same origin)' : ' (to another origin)';
  } catch {
    return '';
  }
}
