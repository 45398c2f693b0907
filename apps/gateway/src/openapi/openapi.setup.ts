import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';

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
 * Swagger UI at /docs and the document at /docs-json; both public, like the contract they describe.
 * `ui: false` leaves out the UI's static files (served by @fastify/static), e.g. where that package cannot load.
 * The document is built on its first request, not at start: a gateway that is never asked for it never holds it.
 */
export function setupOpenApi(app: INestApplication, options: { ui: boolean } = { ui: true }): void {
  const config = openApiConfig();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, config), {
    ui: options.ui,
    raw: ['json'],
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: 'Switchboard API',
  });
}
