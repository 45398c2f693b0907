import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { NatsConfig } from '@switchboard/messaging';
import type { TokenCounter } from '@switchboard/llm-protocols';
import type { ServiceIdentity } from '@switchboard/service-identity';
import { NestLogger, type Logger } from '@switchboard/telemetry';
import type { GatewayConfig } from './config/gateway.config.js';
import type { OperatorKeyAnnouncer } from './core/core.tokens.js';
import { GatewayModule } from './gateway.module.js';
import { KeyResolver } from './auth/key.resolver.js';
import { consoleDirFrom, registerConsole } from './console/console.static.js';
import { ApiExceptionFilter, routerError } from './http/api-exception.filter.js';
import { EarlyAuth, registerEarlyAuth } from './http/early-auth.hook.js';
import { toHttpError } from './http/error-status.table.js';
import { ProxyListener } from './http/proxy.listener.js';
import { RequestObserver, registerRequestObservability } from './http/request-observability.hooks.js';
import { HttpMetrics } from './metrics/http.metrics.js';
import { setupOpenApi } from './openapi/openapi.setup.js';
import { ProxyRuntime } from './proxy/proxy.runtime.js';
import { newRequestId } from './proxy/meter/request-id.js';

/** Larger management bodies are refused with 413 before they are parsed. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

export interface GatewayAppOptions {
  readonly config: GatewayConfig;
  readonly nats: NatsConfig;
  readonly identity: ServiceIdentity;
  readonly logger: Logger;
  /** Default: one plain line on stdout, outside the (redacting) JSON logger. */
  readonly announceOperatorKey?: OperatorKeyAnnouncer;
  /** Counts tokens for usage estimates; default: a worker thread (specs, which cannot start one from sources, count in-process). */
  readonly tokenCounter?: TokenCounter;
  /** Default true. Jest on Node 20 cannot load @fastify/static (it require()s an ESM-only dependency). */
  readonly swaggerUi?: boolean;
  /** The built console served at /console; default SWITCHBOARD_CONSOLE_DIR, else apps/console/dist. */
  readonly consoleDir?: string;
}

const MAX_PARAM_CHARS = 1_000;
const HEADERS_TIMEOUT_MS = 10_000;

const printLine: OperatorKeyAnnouncer = (line) => {
  process.stdout.write(`${line}\n`);
};

/** The gateway's metrics, for a listener of their own (SWITCHBOARD_METRICS_PORT) beside /metrics. */
export const gatewayMetricsOf = (app: NestFastifyApplication): HttpMetrics => app.get(HttpMetrics);

/** The gateway, initialised but not listening: main() listens on a port, tests may inject requests. */
export async function createGatewayApp(options: GatewayAppOptions): Promise<NestFastifyApplication> {
  const metrics = new HttpMetrics({ maxModelSeries: options.config.observability.maxModelSeries });
  const proxyListener = new ProxyListener();
  const adapter = new FastifyAdapter({
    // The proxy's POST routes are served on the server itself, ahead of Fastify (http/proxy.listener.ts).
    serverFactory: proxyListener.serverFactory,
    bodyLimit: BODY_LIMIT_BYTES,
    // Every request's id is a `req_` id: a proxied call's usage event, its budget reservation and its access-log line share it.
    genReqId: () => newRequestId(),
    return503OnClosing: true,
    // Ids longer than any real one still reach the routes, which answer them as unknown (404 *_not_found).
    routerOptions: { maxParamLength: MAX_PARAM_CHARS },
    // A request must arrive whole within this (headers and body): a client that sends slowly holds nothing for long.
    requestTimeout: options.config.requestTimeoutMs,
    // Errors Fastify's router raises before any route runs answer in the API's own error shape.
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      const response = toHttpError(routerError(error.code));
      void reply.status(response.status).headers(response.headers).send(response.body);
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    GatewayModule.forRoot({
      config: options.config,
      nats: options.nats,
      identity: options.identity,
      logger: options.logger,
      metrics,
      announceOperatorKey: options.announceOperatorKey ?? printLine,
      ...(options.tokenCounter ? { tokenCounter: options.tokenCounter } : {}),
    }),
    adapter,
    // Fastify's own JSON parser is all we accept: no urlencoded parser from Nest.
    { bodyParser: false, abortOnError: false, logger: new NestLogger(options.logger) },
  );
  const fastify = app.getHttpAdapter().getInstance();
  // Headers must arrive within this, well before the whole request's time is up.
  const server = app.getHttpServer() as { headersTimeout: number };
  server.headersTimeout = Math.min(HEADERS_TIMEOUT_MS, options.config.requestTimeoutMs);
  // Fastify parses text/plain by default; the API speaks JSON only, so other types get 415.
  fastify.removeContentTypeParser('text/plain');
  // Before routes are registered (init), so every route gets the hooks.
  const observer = new RequestObserver(metrics, { logger: options.logger, level: options.config.observability.accessLog });
  registerRequestObservability(fastify, observer);
  const door = new EarlyAuth(app.get(KeyResolver, { strict: false }), { maxUploadsPerAddress: options.config.maxUploadsPerAddress });
  registerEarlyAuth(fastify, door);
  const proxy = app.get(ProxyRuntime);
  proxy.register(fastify);
  proxyListener.attach({ handler: proxy.handler, door, observer, logger: options.logger });
  // Fastify's routes answer 503 from the moment it begins closing; so do the listener's.
  fastify.addHook('preClose', (done) => {
    proxyListener.close();
    done();
  });
  app.useGlobalFilters(new ApiExceptionFilter(options.logger));
  setupOpenApi(app, { ui: options.swaggerUi ?? true });
  registerConsole(fastify, { dir: options.consoleDir ?? consoleDirFrom(process.env), logger: options.logger });
  await app.init();
  return app;
}
