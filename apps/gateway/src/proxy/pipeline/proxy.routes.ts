import { ADAPTERS, clientError, modelsListProtocol, type ClientError, type ClientProtocol } from '@switchboard/llm-protocols';
import type { Logger } from '@switchboard/telemetry';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ProxyHandler } from './proxy.handler.js';
import { fastifyExchange } from './fastify.exchange.js';
import type { ProxyExchange } from './proxy.exchange.js';
import { sendClientError } from '../forward/upstream.forwarder.js';

/** LLM requests carry whole conversations (and images as base64): far above the management API's 1 MiB. */
export const PROXY_BODY_LIMIT_BYTES = 32 * 1024 * 1024;

const POST_ROUTES: readonly ClientProtocol[] = ['openai_chat', 'openai_responses', 'anthropic_messages'];

/** The proxy's POST paths and the client protocol each speaks. */
export const PROXY_POST_ROUTES: ReadonlyMap<string, ClientProtocol> = new Map(POST_ROUTES.map((protocol) => [ADAPTERS[protocol].config.route, protocol]));

/**
 * The proxy routes as plain Fastify routes on the adapter's instance: no Nest guard, interceptor, pipe or DI per
 * request. The gateway's own listener (http/proxy.listener.ts) serves the POST routes ahead of Fastify; these take
 * what it leaves (a content type it does not parse itself, a path only Fastify's router reads as the route) with the
 * same handler, and GET /v1/models. Errors raised before the handler (malformed JSON, too large, wrong content type)
 * and unexpected ones answer in the client protocol's own shape.
 */
export function registerProxyRoutes(fastify: FastifyInstance, handler: ProxyHandler, logger: Logger): void {
  for (const protocol of POST_ROUTES) {
    fastify.route({
      method: 'POST',
      url: ADAPTERS[protocol].config.route,
      bodyLimit: PROXY_BODY_LIMIT_BYTES,
      errorHandler: (error, request, reply) => onError(protocol, error, request, reply, logger),
      handler: (request, reply) => handler.call(protocol, fastifyExchange(request, reply)),
    });
  }
  fastify.route({
    method: 'GET',
    url: '/v1/models',
    errorHandler: (error, request, reply) => {
      const version = request.headers['anthropic-version'];
      onError(modelsListProtocol(typeof version === 'string' ? version : undefined), error, request, reply, logger);
    },
    handler: (request, reply) => handler.models(fastifyExchange(request, reply)),
  });
}

/** A request the handler never saw (its body unreadable, too large, of another type), in the client protocol's shape. */
export function requestError(protocol: ClientProtocol, status: number, message: string): ClientError {
  if (status >= 400 && status < 500) {
    const text = status === 413 ? `request body exceeds ${PROXY_BODY_LIMIT_BYTES} bytes` : status === 415 ? 'send the request as application/json' : `invalid request: ${message}`;
    return clientError(protocol, 'bad_request', text, { status });
  }
  return clientError(protocol, 'internal_error');
}

/** A call that failed on an unexpected error: cut where it was once the answer started, else a 500 in the protocol's shape. */
export function failedUnexpectedly(protocol: ClientProtocol, exchange: ProxyExchange, route: string, error: Error, logger: Logger): void {
  if (exchange.sent || exchange.res.headersSent) {
    logger.error('proxy call failed after the answer started', { route, error: error.message });
    if (!exchange.res.writableEnded) exchange.res.end();
    return;
  }
  logger.error('proxy call failed', { route, error: error.message });
  sendClientError(exchange, clientError(protocol, 'internal_error'));
}

function onError(protocol: ClientProtocol, error: FastifyError, request: FastifyRequest, reply: FastifyReply, logger: Logger): void {
  const status = error.statusCode ?? 500;
  const exchange = fastifyExchange(request, reply);
  if (status >= 400 && status < 500 && !(reply.sent || reply.raw.headersSent)) {
    sendClientError(exchange, requestError(protocol, status, error.message));
    return;
  }
  failedUnexpectedly(protocol, exchange, request.routeOptions.url ?? '', error, logger);
}
