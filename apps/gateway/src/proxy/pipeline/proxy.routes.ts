import { ADAPTERS, clientError, modelsListProtocol, type ClientProtocol } from '@switchboard/llm-protocols';
import type { Logger } from '@switchboard/telemetry';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ProxyHandler } from './proxy.handler.js';
import { sendClientError } from '../forward/upstream.forwarder.js';

/** LLM requests carry whole conversations (and images as base64): far above the management API's 1 MiB. */
export const PROXY_BODY_LIMIT_BYTES = 32 * 1024 * 1024;

const POST_ROUTES: readonly ClientProtocol[] = ['openai_chat', 'openai_responses', 'anthropic_messages'];

/**
 * The proxy routes as plain Fastify routes on the adapter's instance: no Nest guard, interceptor, pipe or DI
 * per request (the hot path budget is a tenth of a millisecond). The observability hooks registered on the
 * instance still give each call its span and duration sample. Errors raised before the handler (malformed
 * JSON, too large, wrong content type) and unexpected ones answer in the client protocol's own shape.
 */
export function registerProxyRoutes(fastify: FastifyInstance, handler: ProxyHandler, logger: Logger): void {
  for (const protocol of POST_ROUTES) {
    fastify.route({
      method: 'POST',
      url: ADAPTERS[protocol].config.route,
      bodyLimit: PROXY_BODY_LIMIT_BYTES,
      errorHandler: (error, request, reply) => onError(protocol, error, request, reply, logger),
      handler: (request, reply) => handler.call(protocol, request, reply),
    });
  }
  fastify.route({
    method: 'GET',
    url: '/v1/models',
    errorHandler: (error, request, reply) => {
      const version = request.headers['anthropic-version'];
      onError(modelsListProtocol(typeof version === 'string' ? version : undefined), error, request, reply, logger);
    },
    handler: (request, reply) => handler.models(request, reply),
  });
}

function onError(protocol: ClientProtocol, error: FastifyError, request: FastifyRequest, reply: FastifyReply, logger: Logger): void {
  const status = error.statusCode ?? 500;
  if (reply.sent || reply.raw.headersSent) {
    logger.error('proxy call failed after the answer started', { route: request.routeOptions.url, error: error.message });
    if (!reply.raw.writableEnded) reply.raw.end();
    return;
  }
  if (status >= 400 && status < 500) {
    const message = status === 413 ? `request body exceeds ${PROXY_BODY_LIMIT_BYTES} bytes` : status === 415 ? 'send the request as application/json' : `invalid request: ${error.message}`;
    sendClientError(reply, clientError(protocol, 'bad_request', message, { status }));
    return;
  }
  logger.error('proxy call failed', { route: request.routeOptions.url, error: error.message });
  sendClientError(reply, clientError(protocol, 'internal_error'));
}
