import type { INestApplication } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest, InjectOptions } from 'fastify';
import type { OpenApiRoutes } from './openapi.document.js';

/** The paths SwaggerModule.setup('docs', …) registers (the UI's files under /docs/*), so routes and metrics labels stay. */
const UI_PATHS = ['/docs/swagger-ui-init.js', '/docs/docs/swagger-ui-init.js', '/docs', '/docs/index.html', '/docs/LICENSE', '/docs/', '/docs/*'] as const;
/** Swagger registers these two allowing the router to refuse them (the static files' route then answers them). */
const OPTIONAL_PATHS: ReadonlySet<string> = new Set(['/docs/', '/docs/docs/swagger-ui-init.js']);
/** Headers the gateway's own listener sets for the answer it sends. */
const HOP_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'date']);

/**
 * Swagger UI at /docs and the document at /docs-json; both public, like the contract they describe.
 * `ui: false` leaves out the UI's static files (served by @fastify/static), e.g. where that package cannot load.
 * Nothing of @nestjs/swagger is loaded, and the document is not built, before the first of these requests
 * (openapi.document.ts): a gateway that is never asked for them never holds them. Then Swagger's own handlers answer
 * on the gateway's request and reply, and a file of the UI comes from @fastify/static with its status, headers and
 * body as they are; a path under /docs that is no file gets the gateway's 404, as before.
 */
export function setupOpenApi(app: INestApplication, options: { ui: boolean } = { ui: true }): void {
  const fastify = app.getHttpAdapter().getInstance() as FastifyInstance;
  let loading: Promise<{ routes: OpenApiRoutes; notAnAsset: string }> | undefined;
  const answer = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    loading ??= import('./openapi.document.js').then(async (document) => ({ routes: await document.openApiRoutes(app, options), notAnAsset: document.NOT_AN_ASSET }));
    const { routes, notAnAsset } = await loading.catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    const handler = routes.handlers.get(request.routeOptions.url ?? '');
    if (handler !== undefined) return handler(request, reply);
    if (routes.assets === null) return reply.callNotFound();
    return sendAsset(routes.assets, notAnAsset, request, reply);
  };
  if (options.ui) {
    for (const path of UI_PATHS) {
      try {
        fastify.get(path, answer);
      } catch (error) {
        if (!OPTIONAL_PATHS.has(path)) throw error;
      }
    }
  }
  fastify.get('/docs-json', answer);
}

async function sendAsset(assets: FastifyInstance, notAnAsset: string, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => !HOP_HEADERS.has(name)));
  // HEAD is answered as Fastify answers it everywhere: the GET route's answer, its length kept and its body dropped.
  const method = (request.method === 'HEAD' ? 'GET' : request.method) as InjectOptions['method'];
  const response = await assets.inject({ method, url: request.url, headers });
  if (response.headers[notAnAsset] !== undefined) return reply.callNotFound();
  reply.code(response.statusCode);
  for (const [name, value] of Object.entries(response.headers)) if (value !== undefined && !HOP_HEADERS.has(name)) reply.header(name, value);
  return reply.send(response.rawPayload);
}
