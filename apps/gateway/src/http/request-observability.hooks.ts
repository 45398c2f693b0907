import { SpanKind, SpanStatusCode, context, trace, type Context, type Span } from '@opentelemetry/api';
import type { Principal } from '@switchboard/contracts';
import { contextFromHeaders, tracer, type Logger } from '@switchboard/telemetry';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccessLogLevel } from '../config/gateway.config.js';
import { UNMATCHED_ROUTE, type HttpMetrics } from '../metrics/http.metrics.js';
import { earlyPrincipal } from './early-auth.hook.js';

/** A request's SERVER span, the context it runs the handler in, and when it came in. */
export interface RequestTrace {
  readonly span: Span;
  readonly context: Context;
  /** performance.now() when the request came in: a request the client left has no reply time. */
  readonly startedAt: number;
}

/** What the access line names of a request; `principal` is read when the line is written. */
export interface ObservedRequest {
  readonly method: string;
  readonly id: string;
  readonly principal: () => Principal | undefined;
}

export interface AccessLog {
  readonly logger: Logger;
  readonly level: AccessLogLevel;
}

/**
 * A SERVER span, a duration sample and an access-log line per HTTP request, for Fastify's hooks and the proxy's own
 * listener alike. Incoming W3C trace context is continued. Only the method, route template, path and status go on
 * the span: never headers, keys or bodies. The access line is what an operator needs to find a request (its id is
 * the proxied call's usage request id), never its body, query string or headers; it is written inside the request's
 * span, so it carries its trace_id and span_id.
 */
export class RequestObserver {
  constructor(
    private readonly metrics: HttpMetrics,
    private readonly log: AccessLog,
  ) {}

  start(method: string, route: string | undefined, url: string, scheme: string, headers: IncomingHttpHeaders): RequestTrace {
    const parent = contextFromHeaders((name) => {
      const value = headers[name];
      return typeof value === 'string' ? value : undefined;
    });
    const span = tracer.startSpan(
      route ? `${method} ${route}` : method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': method,
          'url.path': url.split('?', 1)[0],
          'url.scheme': scheme,
          ...(route ? { 'http.route': route } : {}),
        },
      },
      parent,
    );
    return { span, context: trace.setSpan(parent, span), startedAt: performance.now() };
  }

  /**
   * The response went out whole (or failed writing): its duration sample, and its access line and the span's end
   * unless the client had left before (`leftEarlier`: both were written at the abort).
   */
  responded(current: RequestTrace | undefined, request: ObservedRequest, route: string, status: number, elapsedMs: number, leftEarlier = false): void {
    this.metrics.observe(request.method, route, status, elapsedMs / 1000);
    if (leftEarlier) return;
    const write = (): void => this.writeAccessLine(request, status, elapsedMs, route, false);
    if (current) context.with(current.context, write);
    else write();
    if (current) {
      current.span.setAttribute('http.response.status_code', status);
      if (status >= 500) current.span.setStatus({ code: SpanStatusCode.ERROR });
      current.span.end();
    }
  }

  /** The client left before the response was done: its line says so (499), and its span ends as an error. */
  aborted(current: RequestTrace | undefined, request: ObservedRequest, route: string): void {
    const write = (): void => this.writeAccessLine(request, 499, performance.now() - (current?.startedAt ?? performance.now()), route, true);
    if (current) context.with(current.context, write);
    else write();
    if (current) {
      current.span.setAttribute('http.request.aborted', true);
      current.span.setStatus({ code: SpanStatusCode.ERROR, message: 'client closed the connection' });
      current.span.end();
    }
  }

  private writeAccessLine(request: ObservedRequest, status: number, elapsedMs: number, route: string, aborted: boolean): void {
    const { level, logger } = this.log;
    if (level === 'off') return;
    logger[level]('http request', {
      method: request.method,
      route,
      status,
      duration_ms: Math.round(elapsedMs * 1000) / 1000,
      tenant_id: request.principal()?.tenantId ?? null,
      request_id: request.id,
      ...(aborted ? { aborted: true } : {}),
    });
  }
}

const traces = new WeakMap<FastifyRequest, RequestTrace>();
/** Requests the client left: their access line is written at the abort, not again if a response finishes later. */
const abortedRequests = new WeakSet<FastifyRequest>();

const routeOf = (request: FastifyRequest): string | undefined => request.routeOptions.url;

const observed = (request: FastifyRequest): ObservedRequest => ({ method: request.method, id: request.id, principal: () => earlyPrincipal(request) });

/**
 * The observer as plain Fastify hooks (no Nest interceptor on the hot path). The span starts at onRequest, so it
 * covers body parsing and auth; it becomes the active context in preHandler — after body parsing, whose stream
 * callbacks would lose it — so everything the handler does (BusClient's CLIENT span, and through NATS headers the
 * services' spans) joins the same trace.
 */
export function registerRequestObservability(fastify: FastifyInstance, observer: RequestObserver): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    traces.set(request, observer.start(request.method, routeOf(request), request.url, request.protocol, request.headers));
    done();
  });

  fastify.addHook('preHandler', (request, _reply, done) => {
    const current = traces.get(request);
    if (current) context.with(current.context, done);
    else done();
  });

  fastify.addHook('onResponse', (request, reply, done) => {
    const route = routeOf(request) ?? UNMATCHED_ROUTE;
    const current = traces.get(request);
    traces.delete(request);
    observer.responded(current, observed(request), route, reply.statusCode, reply.elapsedTime, abortedRequests.has(request));
    done();
  });

  fastify.addHook('onRequestAbort', (request, done) => {
    const current = traces.get(request);
    traces.delete(request);
    abortedRequests.add(request);
    observer.aborted(current, observed(request), routeOf(request) ?? UNMATCHED_ROUTE);
    done();
  });
}
