import { context } from '@opentelemetry/api';
import type { Principal } from '@switchboard/contracts';
import type { ClientProtocol } from '@switchboard/llm-protocols';
import type { Logger } from '@switchboard/telemetry';
import { createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import { sendClientError } from '../proxy/forward/upstream.forwarder.js';
import { newRequestId } from '../proxy/meter/request-id.js';
import type { ProxyExchange } from '../proxy/pipeline/proxy.exchange.js';
import type { ProxyHandler } from '../proxy/pipeline/proxy.handler.js';
import { PROXY_BODY_LIMIT_BYTES, PROXY_POST_ROUTES, failedUnexpectedly, requestError } from '../proxy/pipeline/proxy.routes.js';
import { refusalError, type EarlyAuth } from './early-auth.hook.js';
import { readJsonBody } from './json-body.reader.js';
import type { ObservedRequest, RequestObserver } from './request-observability.hooks.js';

export interface ProxyListenerDependencies {
  readonly handler: ProxyHandler;
  readonly door: EarlyAuth;
  readonly observer: RequestObserver;
  readonly logger: Logger;
}

/** The settings Fastify gives a server it creates itself; a factory's server must be given them by the factory. */
interface ServerSettings {
  readonly http?: ServerOptions;
  readonly keepAliveTimeout: number;
  readonly requestTimeout: number;
  readonly connectionTimeout: number;
  readonly maxRequestsPerSocket: number;
}

/** Content types the listener parses itself; any other (or none) is left to Fastify, which answers as it always did. */
const JSON_CONTENT_TYPE = /^application\/json\s*(?:;\s*charset\s*=\s*(?:utf-8|"utf-8")\s*)?$/i;

const MIN_CHECK_INTERVAL_MS = 1_000;
const MAX_CHECK_INTERVAL_MS = 30_000;

/** Fastify's own answer to a request that arrives while it closes (return503OnClosing). */
const CLOSING_BODY = '{"error":"Service Unavailable","message":"Service Unavailable","statusCode":503}';

/**
 * The gateway's HTTP server, with the proxy's POST routes served on it directly, ahead of Fastify: per call, Fastify's
 * routing, hooks, request and reply objects and Nest's adapter layers cost more CPU than the call's own stages. It
 * keeps what those gave a call, as seen from outside: the door (EarlyAuth) before the body is read, Fastify's body
 * limit and JSON checks, the request id, the SERVER span, the duration sample and the access line, the 503 while
 * closing, and the server's timeouts (the server is the same one). Whatever it does not take — another method or
 * path, another content type — goes to Fastify, whose proxy routes run the same handler.
 */
export class ProxyListener {
  private d: ProxyListenerDependencies | null = null;
  private closing = false;

  /** FastifyAdapter's `serverFactory`: one node:http server, dispatching to the proxy or to Fastify's handler. */
  readonly serverFactory = (fastifyHandler: (req: IncomingMessage, res: ServerResponse) => void, options: Record<string, unknown>): Server => {
    const settings = options as unknown as ServerSettings;
    // Node cuts a request past requestTimeout only when it next checks its connections (every 30 s by default): a
    // client that sends slowly would hold its connection up to 30 s longer than the timeout says.
    const connectionsCheckingInterval = Math.min(MAX_CHECK_INTERVAL_MS, Math.max(MIN_CHECK_INTERVAL_MS, Math.floor(settings.requestTimeout / 5)));
    const server = createServer({ ...settings.http, connectionsCheckingInterval }, (req, res) => {
      if (!this.serve(req, res)) fastifyHandler(req, res);
    });
    server.keepAliveTimeout = settings.keepAliveTimeout;
    server.requestTimeout = settings.requestTimeout;
    server.setTimeout(settings.connectionTimeout);
    if (settings.maxRequestsPerSocket > 0) server.maxRequestsPerSocket = settings.maxRequestsPerSocket;
    return server;
  };

  /** Until attached, everything goes to Fastify. */
  attach(dependencies: ProxyListenerDependencies): void {
    this.d = dependencies;
  }

  /** Fastify has begun closing: from now on calls are answered 503, as its own routes answer them. */
  close(): void {
    this.closing = true;
  }

  private serve(req: IncomingMessage, res: ServerResponse): boolean {
    const d = this.d;
    if (d === null || req.method !== 'POST') return false;
    const url = req.url ?? '';
    const query = url.indexOf('?');
    const route = query === -1 ? url : url.slice(0, query);
    const protocol = PROXY_POST_ROUTES.get(route);
    if (protocol === undefined) return false;
    const type = req.headers['content-type'];
    if (type === undefined || !JSON_CONTENT_TYPE.test(type)) return false;
    const exchange = new ListenerExchange(newRequestId(), req, res);
    // As Fastify's error handler did for a hook or handler that threw: a 500 in the protocol's shape, or the answer cut.
    this.call(d, protocol, route, exchange).catch((error: unknown) => {
      failedUnexpectedly(protocol, exchange, route, error instanceof Error ? error : new Error(String(error)), d.logger);
    });
    return true;
  }

  private async call(d: ProxyListenerDependencies, protocol: ClientProtocol, route: string, exchange: ListenerExchange): Promise<void> {
    const { req, res } = exchange;
    if (this.closing) {
      res.setHeader('Connection', 'close');
      res.writeHead(503, { 'Content-Type': 'application/json', 'Content-Length': String(CLOSING_BODY.length) }).end(CLOSING_BODY);
      return;
    }
    const scheme = (req.socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http';
    const current = d.observer.start('POST', route, url(req), scheme, req.headers);
    const observed: ObservedRequest = { method: 'POST', id: exchange.id, principal: () => exchange.principal };
    let left = false;
    const finished = (): void => {
      res.off('finish', finished);
      res.off('error', finished);
      d.observer.responded(current, observed, route, res.statusCode, exchange.elapsedMs, left);
    };
    res.on('finish', finished);
    res.on('error', finished);
    req.once('close', () => {
      if (!req.aborted) return;
      left = true;
      d.observer.aborted(current, observed, route);
    });

    const checked = await d.door.check(protocol, req, res);
    exchange.principal = checked.principal ?? undefined;
    if (checked.refusal !== null) {
      // The body the client is still sending is never read, and the connection is not kept for another request.
      res.setHeader('connection', 'close');
      return sendClientError(exchange, refusalError(protocol, checked.refusal));
    }
    const body = await readJsonBody(req, PROXY_BODY_LIMIT_BYTES);
    if (!body.ok) {
      // The client may still be sending: the connection goes with the answer.
      res.setHeader('connection', 'close');
      return sendClientError(exchange, requestError(protocol, body.error.status, body.error.message));
    }
    exchange.body = body.value;
    // Everything the handler does (the bus calls, the upstream call) joins the call's trace.
    await context.with(current.context, () => d.handler.call(protocol, exchange));
  }
}

const url = (req: IncomingMessage): string => req.url ?? '';

/** An exchange on the listener's own request and response. */
class ListenerExchange implements ProxyExchange {
  body: unknown = undefined;
  principal: Principal | undefined = undefined;
  private readonly startedAt = performance.now();
  private tookOver = false;

  constructor(
    readonly id: string,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
  ) {}

  get headers(): IncomingMessage['headers'] {
    return this.req.headers;
  }

  get elapsedMs(): number {
    return performance.now() - this.startedAt;
  }

  get sent(): boolean {
    return this.tookOver || this.res.writableEnded;
  }

  send(status: number, headers: Readonly<Record<string, string>>, body: string | Buffer): void {
    // A second answer is dropped, as Fastify drops a reply sent twice.
    if (this.sent || this.res.headersSent) return;
    this.res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) }).end(body);
  }

  takeOver(): void {
    this.tookOver = true;
  }
}
