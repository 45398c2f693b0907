import { SpanKind, SpanStatusCode, context, trace, type Context, type Span } from '@opentelemetry/api';
import { contextFromHeaders, tracer } from '@switchboard/telemetry';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { UNMATCHED_ROUTE, type HttpMetrics } from '../metrics/http.metrics.js';

interface RequestTrace {
  readonly span: Span;
  readonly context: Context;
}

const traces = new WeakMap<FastifyRequest, RequestTrace>();

const routeOf = (request: FastifyRequest): string | undefined => request.routeOptions.url;

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * A SERVER span and a duration sample per HTTP request, as plain Fastify hooks (no Nest interceptor on the
 * hot path). The span starts at onRequest, so it covers body parsing and auth; it becomes the active context
 * in preHandler — after body parsing, whose stream callbacks would lose it — so everything the handler does
 * (BusClient's CLIENT span, and through NATS headers the services' spans) joins the same trace. Incoming
 * W3C trace context is continued. Only the method, route template, path and status go on the span: never
 * headers, keys or bodies.
 */
export function registerRequestObservability(fastify: FastifyInstance, metrics: HttpMetrics): void {
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
    traces.set(request, { span, context: trace.setSpan(parent, span) });
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
    if (current) {
      current.span.setAttribute('http.request.aborted', true);
      current.span.setStatus({ code: SpanStatusCode.ERROR, message: 'client closed the connection' });
      current.span.end();
      traces.delete(request);
    }
    done();
  });
}
