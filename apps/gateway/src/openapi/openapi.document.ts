import type { INestApplication } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import * as swagger from '@nestjs/swagger';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';
import { applyOpenApiDecorators } from './openapi.decorators.js';

/** Set on the answer to a path Swagger's routes do not have, which setupOpenApi turns into the gateway's own 404. */
export const NOT_SWAGGERS = 'x-switchboard-not-swaggers';

// Loaded on the first /docs request (setupOpenApi) or by whoever imports it: the controllers' recorded decorators
// are applied before anything here can read their metadata.
applyOpenApiDecorators(swagger);

/** The document's own fields; the paths and schemas come from the controllers' decorators. */
export function openApiConfig(): Omit<OpenAPIObject, 'paths'> {
  return new DocumentBuilder()
    .setTitle('Switchboard')
    .setDescription('The LLM provider plane: tenants, access keys, providers, models, agents, secrets and recipients.')
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'an access key: sbk_…' })
    .build();
}

/**
 * Swagger's own routes (the UI's page, its init script and files from swagger-ui-dist when `ui`, and the document at
 * /docs-json) on a Fastify instance of their own that never listens: the gateway's listener could not take new routes
 * once started, so setupOpenApi registers the same paths there and hands their requests to this one. The document is
 * built from `app` on its first request, as before.
 */
export async function openApiServer(app: INestApplication, options: { ui: boolean }): Promise<FastifyInstance> {
  const adapter = new FastifyAdapter();
  const instance = adapter.getInstance() as unknown as FastifyInstance;
  instance.setNotFoundHandler((_request, reply) => reply.code(404).header(NOT_SWAGGERS, '1').send());
  // SwaggerModule reads the global prefix from the app and registers its routes on the app's adapter: this one.
  const routesHere = new Proxy(app, {
    get: (target, property) => (property === 'getHttpAdapter' ? () => adapter : (Reflect.get(target, property, target) as unknown)),
  });
  const config = openApiConfig();
  SwaggerModule.setup('docs', routesHere, () => SwaggerModule.createDocument(app, config), {
    ui: options.ui,
    raw: ['json'],
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: 'Switchboard API',
  });
  await instance.ready();
  return instance;
}
