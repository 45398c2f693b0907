import { SpanKind, SpanStatusCode, context, trace, type Context, type Span } from '@opentelemetry/api';
import { contextFromHeaders, tracer, type Logger } from '@switchboard/telemetry';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccessLogLevel } from '../config/gateway.config.js';
import { UNMATCHED_ROUTE, type HttpMetrics } from '../metrics/http.metrics.js';
import { earlyPrincipal } from './early-auth.hook.js';

interface RequestTrace {
  readonly span: Span;
  readonly context: Context;
  /** performance.now() at onRequest: a request the client left has no reply time. */
  readonly startedAt: number;
}

const traces = new WeakMap<FastifyRequest, RequestTrace>();
/** Requests the client left: their access line is written at the abort, not again if a response finishes later. */
const aborted = new WeakSet<FastifyRequest>();

const routeOf = (request: FastifyRequest): string | undefined => request.routeOptions.url;

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

export interface AccessLog {
  readonly logger: Logger;
  readonly level: AccessLogLevel;
}

/**
 * One line per request, at the configured level: what an operator needs to find a request (its id is the proxied call's
 * usage request id), never its body, query string or headers. Written inside the request's span, so the line carries
 * its trace_id and span_id.
 */
function writeAccessLine(log: AccessLog, request: FastifyRequest, status: number, elapsedMs: number, route: string, aborted: boolean): void {
  if (log.level === 'off') return;
  log.logger[log.level]('http request', {
    method: request.method,
    route,
    status,
    duration_ms: Math.round(elapsedMs * 1000) / 1000,
    tenant_id: earlyPrincipal(request)?.tenantId ?? null,
    request_id: request.id,
    ...(aborted ? { aborted: true } : {}),
  });
}

/**
 * A SERVER span, a duration sample and an access-log line per HTTP request, as plain Fastify hooks (no Nest interceptor on the
 * hot path). The span starts at onRequest, so it covers body parsing and auth; it becomes the active context
 * in preHandler — after body parsing, whose stream callbacks would lose it — so everything the handler does
 * (BusClient's CLIENT span, and through NATS headers the services' spans) joins the same trace. Incoming
 * W3C trace context is continued. Only the method, route template, path and status go on the span: never
 * headers, keys or bodies.
 */
export function registerRequestObservability(fastify: FastifyInstance, metrics: HttpMetrics, log: AccessLog): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    const route = routeOf(request);
    const parent = contextFromHeaders((name) => header(request, name));
    const span = tracer.startSpan(
      route ? `${request.method} ${route}` : request.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'url.path': request.url.split('?', 1)[0],
          'url.scheme': request.protocol,
          ...(route ? { 'http.route': route } : {}),
        },
      },
      parent,
    );
    traces.set(request, { span, context: trace.setSpan(parent, span), startedAt: performance.now() });
    done();
  });

  fastify.addHook('preHandler', (request, _reply, done) => {
    const current = traces.get(request);
    if (current) context.with(current.context, done);
    else done();
  });

  fastify.addHook('onResponse', (request, reply, done) => {
    const route = routeOf(request) ?? UNMATCHED_ROUTE;
    metrics.observe(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    const current = traces.get(request);
    if (!aborted.has(request)) {
      const write = (): void => writeAccessLine(log, request, reply.statusCode, reply.elapsedTime, route, false);
      if (current) context.with(current.context, write);
      else write();
    }
    if (current) {
      current.span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) current.span.setStatus({ code: SpanStatusCode.ERROR });
      current.span.end();
      traces.delete(request);
    }
    done();
  });

  fastify.addHook('onRequestAbort', (request, done) => {
    const current = traces.get(request);
    const route = routeOf(request) ?? UNMATCHED_ROUTE;
    aborted.add(request);
    const write = (): void => writeAccessLine(log, request, 499, performance.now() - (current?.startedAt ?? performance.now()), route, true);
    if (current) context.with(current.context, write);
    else write();
    if (current) {
      current.span.setAttribute('http.request.aborted', true);
      current.span.setStatus({ code: SpanStatusCode.ERROR, message: 'client closed the connection' });
      current.span.end();
      traces.delete(request);
    }
    done();
  });
}
