import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/**
 * Swagger UI at /docs and the document at /docs-json; both public, like the contract they describe.
 * `ui: false` leaves out the UI's static files (served by @fastify/static), e.g. where that package cannot load.
 */
export function setupOpenApi(app: INestApplication, options: { ui: boolean } = { ui: true }): void {
  const config = new DocumentBuilder()
    .setTitle('Switchboard')
    .setDescription('The LLM provider plane: tenants, access keys, providers, models, agents, secrets and recipients.')
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'an access key: sbk_…' })
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('docs', app, document, {
    ui: options.ui,
    raw: ['json'],
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: 'Switchboard API',
  });
}
