import { clientError, clientProtocolForRoute, modelsListProtocol, type ClientError, type ClientProtocol } from '@switchboard/llm-protocols';
import type { Principal } from '@switchboard/contracts';
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
 * Checks the key from the headers before a body is read (Fastify's onRequest, ahead of body parsing): an
 * unauthenticated request is answered 401 at once and its connection closed, so nobody without a key can make the
 * gateway read, buffer or parse up to 32 MiB; and a client address may have only so many bodies in flight. Routes
 * check the key again as before (a cache hit): this is the door, not the lock.
 */
export function registerEarlyAuth(fastify: FastifyInstance, keys: KeyResolver, options: EarlyAuthOptions): void {
  /** Per client address, when each body still arriving started. */
  const uploads = new Map<string, Set<{ readonly since: number }>>();
  fastify.addHook('onRequest', async (request, reply) => {
    const route = request.routeOptions.url;
    // Unknown paths are the router's 404; public and non-API routes need no key.
    if (route === undefined || !route.startsWith('/v1/') || PUBLIC_ROUTES.has(route)) return;
    const proxyProtocol = protocolOf(route, request);
    const key = proxyProtocol === null ? bearerOnly(request) : presentedKey(request.headers.authorization, request.headers['x-api-key']);
    let refusal: Refusal | null = null;
    if (key === null) refusal = { kind: 'unauthorized', message: 'send an access key as Authorization: Bearer <key>' };
    else {
      try {
        const principal = await keys.resolve(key);
        if (principal === null) refusal = { kind: 'unauthorized', message: 'unknown or revoked access key' };
        else principals.set(request, principal);
      } catch (error) {
        // The resolver's own message says which service is away; anything else stays generic.
        const unavailable = error instanceof ApiErrorException && error.code === 'unavailable';
        refusal = { kind: 'unavailable', message: unavailable ? error.message : 'access keys cannot be checked right now' };
      }
    }
    if (refusal === null && hasBody(request) && options.maxUploadsPerAddress > 0) {
      const address = request.ip;
      const arriving = uploads.get(address) ?? new Set<{ readonly since: number }>();
      const now = Date.now();
      let slow = 0;
      for (const upload of arriving) if (now - upload.since >= SLOW_UPLOAD_MS) slow++;
      if (slow >= options.maxUploadsPerAddress) {
        refusal = { kind: 'busy', message: `${slow} slow uploads are in progress from this address, the most it may have` };
      } else {
        // Held while the body is still coming in, not while the call runs: a long answer holds nothing.
        const upload = { since: now };
        arriving.add(upload);
        uploads.set(address, arriving);
        const release = (): void => {
          arriving.delete(upload);
          if (arriving.size === 0 && uploads.get(address) === arriving) uploads.delete(address);
        };
        request.raw.once('end', release);
        reply.raw.once('close', release);
      }
    }
    if (refusal !== null) refuse(reply, proxyProtocol, refusal);
  });
}

interface Refusal {
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

function bearerOnly(request: FastifyRequest): string | null {
  return presentedKey(request.headers.authorization, undefined);
}

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Answers in the route's own error shape, and closes the connection: the body the client is still sending is
 * never read, and the socket is not kept for another request behind it.
 */
function refuse(reply: FastifyReply, protocol: ClientProtocol | null, refusal: Refusal): void {
  void reply.header('connection', 'close');
  if (protocol !== null) {
    const error: ClientError =
      refusal.kind === 'unauthorized'
        ? clientError(protocol, 'invalid_api_key', `Invalid API Key: ${refusal.message}`)
        : refusal.kind === 'busy'
          ? clientError(protocol, 'rate_limited', `Too Many Requests: ${refusal.message}`, { retryAfterSeconds: RETRY_AFTER_SECONDS })
          : clientError(protocol, 'service_unavailable', `Service Unavailable: ${refusal.message}`, { retryAfterSeconds: RETRY_AFTER_SECONDS });
    void reply.code(error.status).headers(error.headers).send(JSON.stringify(error.body));
    return;
  }
  const code = refusal.kind === 'unauthorized' ? 'unauthorized' : refusal.kind === 'busy' ? 'too_many_requests' : 'unavailable';
  const response = toHttpError({ code, message: refusal.message });
  void reply.code(response.status).headers(response.headers).send(response.body);
}
