import type { FastifyReply, FastifyRequest } from 'fastify';
import { earlyPrincipal } from '../../http/early-auth.hook.js';
import type { ProxyExchange } from './proxy.exchange.js';

/** A request Fastify routed (GET /v1/models, and proxy calls the gateway's own listener left to it) as an exchange. */
export function fastifyExchange(request: FastifyRequest, reply: FastifyReply): ProxyExchange {
  return {
    id: request.id,
    headers: request.headers,
    body: request.body,
    principal: earlyPrincipal(request),
    req: request.raw,
    res: reply.raw,
    get elapsedMs() {
      return reply.elapsedTime;
    },
    get sent() {
      return reply.sent;
    },
    send(status, headers, body) {
      void reply.code(status).headers(headers).send(body);
    },
    takeOver() {
      reply.hijack();
    },
  };
}
