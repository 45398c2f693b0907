import type { INestApplication } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import * as swagger from '@nestjs/swagger';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { applyOpenApiDecorators } from './openapi.decorators.js';

// Loaded on the first /docs request (setupOpenApi) or by whoever imports it: the controllers' recorded decorators
// are applied before anything here can read their metadata.
applyOpenApiDecorators(swagger);

/** Set on the answer to a path the UI's files do not have, which setupOpenApi turns into the gateway's own 404. */
export const NOT_AN_ASSET = 'x-switchboard-not-an-asset';

/** The document's own fields; the paths and schemas come from the controllers' decorators. */
export function openApiConfig(): Omit<OpenAPIObject, 'paths'> {
  return new DocumentBuilder()
    .setTitle('Switchboard')
    .setDescription('The LLM provider plane: tenants, access keys, providers, models, agents, secrets and recipients.')
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'an access key: sbk_…' })
    .build();
}

export type OpenApiHandler = (request: FastifyRequest, reply: FastifyReply) => unknown;

export interface OpenApiRoutes {
  /** Swagger's own handlers by the path it registered each on: the UI's page and init script, the document. */
  readonly handlers: ReadonlyMap<string, OpenApiHandler>;
  /** The UI's files (swagger-ui-dist through @fastify/static) on a Fastify instance that never listens; null without `ui`. */
  readonly assets: FastifyInstance | null;
}

/**
 * What SwaggerModule.setup('docs', …) would have registered on the gateway's listener, which cannot take new routes
 * once started: its handlers, for setupOpenApi's routes on the same paths to call with the gateway's own request and
 * reply, and its static files' plugin, on an instance of their own. The document is built from `app` on its first
 * request, as before.
 */
export async function openApiRoutes(app: INestApplication, options: { ui: boolean }): Promise<OpenApiRoutes> {
  const handlers = new Map<string, OpenApiHandler>();
  const assets = options.ui ? (new FastifyAdapter().getInstance() as unknown as FastifyInstance) : null;
  assets?.setNotFoundHandler((_request, reply) => reply.code(404).header(NOT_AN_ASSET, '1').send());
  const gatewayAdapter = app.getHttpAdapter();
  // The adapter SwaggerModule registers on: it keeps the handlers and hands the static files' plugin to `assets`.
  const recording = {
    getType: () => 'fastify',
    get: (path: string, handler: OpenApiHandler) => handlers.set(path, handler),
    getRequestUrl: (request: FastifyRequest) => (gatewayAdapter.getRequestUrl?.(request) as string | undefined) ?? request.raw.url,
    getInstance: () => assets,
  };
  const routesHere = new Proxy(app, {
    get: (target, property) => (property === 'getHttpAdapter' ? () => recording : (Reflect.get(target, property, target) as unknown)),
  });
  const config = openApiConfig();
  SwaggerModule.setup('docs', routesHere, () => SwaggerModule.createDocument(app, config), {
    ui: options.ui,
    raw: ['json'],
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: 'Switchboard API',
  });
  await assets?.ready();
  return { handlers, assets };
}
