import { NotFoundException, type INestApplication } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest, InjectOptions } from 'fastify';

/** What SwaggerModule.setup('docs', …) registers (the UI's files under /docs/*), so the routes and their metrics labels stay. */
const UI_PATHS = ['/docs/swagger-ui-init.js', '/docs/docs/swagger-ui-init.js', '/docs', '/docs/index.html', '/docs/', '/docs/*'] as const;
/** Headers the gateway's own listener sets for the answer it sends. */
const HOP_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'date']);

/**
 * Swagger UI at /docs and the document at /docs-json; both public, like the contract they describe.
 * `ui: false` leaves out the UI's static files (served by @fastify/static), e.g. where that package cannot load.
 * Nothing of @nestjs/swagger is loaded, and the document is not built, before the first of these requests
 * (openapi.document.ts): a gateway that is never asked for them never holds them. Each request is answered by
 * Swagger's own routes (openApiServer) with its status, headers and body as they are; a path under /docs that those
 * do not have gets the gateway's 404, as the static files' did.
 */
export function setupOpenApi(app: INestApplication, options: { ui: boolean } = { ui: true }): void {
  const fastify = app.getHttpAdapter().getInstance() as FastifyInstance;
  let server: Promise<{ inner: FastifyInstance; notFound: string }> | undefined;
  const answer = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    server ??= import('./openapi.document.js').then(async (document) => ({ inner: await document.openApiServer(app, options), notFound: document.NOT_SWAGGERS }));
    const { inner, notFound } = await server.catch((error: unknown) => {
      server = undefined;
      throw error;
    });
    const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => !HOP_HEADERS.has(name)));
    // HEAD is answered as Fastify answers it everywhere: the GET route's answer, its length kept and its body dropped.
    const method = (request.method === 'HEAD' ? 'GET' : request.method) as InjectOptions['method'];
    const response = await inner.inject({ method, url: request.url, headers });
    if (response.headers[notFound] !== undefined) return reply.callNotFound();
    reply.code(response.statusCode);
    for (const [name, value] of Object.entries(response.headers)) if (value !== undefined && !HOP_HEADERS.has(name)) reply.header(name, value);
    return reply.send(response.rawPayload);
  };
  if (options.ui) {
    for (const path of UI_PATHS) {
      // As SwaggerModule does for these two: where the router refuses one, the static files' route answers it.
      try {
        fastify.get(path, answer);
      } catch (error) {
        if (path !== '/docs/' && path !== '/docs/docs/swagger-ui-init.js') throw error;
      }
    }
    fastify.get('/docs/LICENSE', () => {
      throw new NotFoundException();
    });
  }
  fastify.get('/docs-json', answer);
}
