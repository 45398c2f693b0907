import { clientError, clientProtocolForRoute, modelsListProtocol, type ClientError, type ClientProtocol } from '@switchboard/llm-protocols';
import type { Principal } from '@switchboard/contracts';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { KeyResolver } from '../auth/key.resolver.js';
import { presentedKey } from '../proxy/authenticate/proxy-caller.js';
import { ApiErrorException } from './api-error.exception.js';
import { RETRY_AFTER_SECONDS, toHttpError } from './error-status.table.js';

/** The principal a request's key resolved to before its body was read, for the route to take over. */
const principals = new WeakMap<FastifyRequest, Principal>();

export const earlyPrincipal = (request: FastifyRequest): Principal | undefined => principals.get(request);

/** Routes under /v1 anyone may call: the published keys that sign credential.issued. */
const PUBLIC_ROUTES = new Set(['/v1/credential-issuer']);

export interface EarlyAuthOptions {
  /** Slow uploads (bodies still arriving after SLOW_UPLOAD_MS) one client address may have at once (0: no limit). */
  readonly maxUploadsPerAddress: number;
}

/**
 * A body still arriving after this long is a slow upload. Bodies that arrive at network speed are never counted, so
 * a client sending hundreds of calls at once is not mistaken for one holding connections open on purpose.
 */
export const SLOW_UPLOAD_MS = 1_000;

/**
 * The door: checks the key from the headers before a body is read, so nobody without a key can make the gateway
 * read, buffer or parse up to 32 MiB; and a client address may have only so many bodies in flight. One per gateway,
 * shared by Fastify's routes (registerEarlyAuth) and the proxy's own listener, so both count the same uploads. Routes
 * check the key again as before (a cache hit): this is the door, not the lock.
 */
export class EarlyAuth {
  /** Per client address, when each body still arriving started. */
  private readonly uploads = new Map<string, Set<{ readonly since: number }>>();

  constructor(
    private readonly keys: Pick<KeyResolver, 'resolve'>,
    private readonly options: EarlyAuthOptions,
  ) {}

  /**
   * The principal of the request's key, or why it is refused. `protocol`: the proxy protocol of the route (its key
   * may come as x-api-key too), null for the management API (a bearer key only). An admitted request with a body
   * holds one of its address's upload slots until the body has arrived or the response has closed.
   */
  async check(protocol: ClientProtocol | null, req: IncomingMessage, res: ServerResponse): Promise<DoorCheck> {
    const { headers } = req;
    const key = presentedKey(headers.authorization, protocol === null ? undefined : headers['x-api-key']);
    if (key === null) return { principal: null, refusal: { kind: 'unauthorized', message: 'send an access key as Authorization: Bearer <key>' } };
    let principal: Principal | null;
    try {
      principal = await this.keys.resolve(key);
    } catch (error) {
      // The resolver's own message says which service is away; anything else stays generic.
      const unavailable = error instanceof ApiErrorException && error.code === 'unavailable';
      return { principal: null, refusal: { kind: 'unavailable', message: unavailable ? error.message : 'access keys cannot be checked right now' } };
    }
    if (principal === null) return { principal, refusal: { kind: 'unauthorized', message: 'unknown or revoked access key' } };
    if (!hasBody(headers) || this.options.maxUploadsPerAddress <= 0) return { principal, refusal: null };
    const address = req.socket.remoteAddress ?? '';
    const arriving = this.uploads.get(address) ?? new Set<{ readonly since: number }>();
    const now = Date.now();
    let slow = 0;
    for (const upload of arriving) if (now - upload.since >= SLOW_UPLOAD_MS) slow++;
    if (slow >= this.options.maxUploadsPerAddress) {
      return { principal, refusal: { kind: 'busy', message: `${slow} slow uploads are in progress from this address, the most it may have` } };
    }
    // Held while the body is still coming in, not while the call runs: a long answer holds nothing.
    const upload = { since: now };
    arriving.add(upload);
    this.uploads.set(address, arriving);
    const release = (): void => {
      arriving.delete(upload);
      if (arriving.size === 0 && this.uploads.get(address) === arriving) this.uploads.delete(address);
    };
    req.once('end', release);
    res.once('close', release);
    return { principal, refusal: null };
  }
}

/** Fastify's onRequest (ahead of body parsing): an unauthenticated request is answered 401 at once and its connection closed. */
export function registerEarlyAuth(fastify: FastifyInstance, door: EarlyAuth): void {
  fastify.addHook('onRequest', async (request, reply) => {
    const route = request.routeOptions.url;
    // Unknown paths are the router's 404; public and non-API routes need no key.
    if (route === undefined || !route.startsWith('/v1/') || PUBLIC_ROUTES.has(route)) return;
    const proxyProtocol = protocolOf(route, request);
    const checked = await door.check(proxyProtocol, request.raw, reply.raw);
    if (checked.principal !== null) principals.set(request, checked.principal);
    if (checked.refusal !== null) refuse(reply, proxyProtocol, checked.refusal);
  });
}

/** What the door found: the key's principal (when it resolved) and, when the request may not come in, why. */
export interface DoorCheck {
  readonly principal: Principal | null;
  readonly refusal: Refusal | null;
}

export interface Refusal {
  readonly kind: 'unauthorized' | 'unavailable' | 'busy';
  readonly message: string;
}

function protocolOf(route: string, request: FastifyRequest): ClientProtocol | null {
  if (route === '/v1/models') {
    const version = request.headers['anthropic-version'];
    return modelsListProtocol(typeof version === 'string' ? version : undefined);
  }
  return clientProtocolForRoute(route);
}

function hasBody(headers: IncomingHttpHeaders): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** A refused proxy call in its protocol's shape. */
export function refusalError(protocol: ClientProtocol, refusal: Refusal): ClientError {
  return refusal.kind === 'unauthorized'
    ? clientError(protocol, 'invalid_api_key', `Invalid API Key: ${refusal.message}`)
    : refusal.kind === 'busy'
      ? clientError(protocol, 'rate_limited', `Too Many Requests: ${refusal.message}`, { retryAfterSeconds: RETRY_AFTER_SECONDS })
      : clientError(protocol, 'service_unavailable', `Service Unavailable: ${refusal.message}`, { retryAfterSeconds: RETRY_AFTER_SECONDS });
}

/**
 * Answers in the route's own error shape, and closes the connection: the body the client is still sending is
 * never read, and the socket is not kept for another request behind it.
 */
function refuse(reply: FastifyReply, protocol: ClientProtocol | null, refusal: Refusal): void {
  void reply.header('connection', 'close');
  if (protocol !== null) {
    const error = refusalError(protocol, refusal);
    void reply.code(error.status).headers(error.headers).send(JSON.stringify(error.body));
    return;
  }
  const code = refusal.kind === 'unauthorized' ? 'unauthorized' : refusal.kind === 'busy' ? 'too_many_requests' : 'unavailable';
  const response = toHttpError({ code, message: refusal.message });
  void reply.code(response.status).headers(response.headers).send(response.body);
}
