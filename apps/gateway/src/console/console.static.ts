import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '@switchboard/telemetry';
import { DEFAULT_CONSOLE_DIR, loadConsoleAssets, type ConsoleAsset, type ConsoleAssets } from './console.assets.js';

/** The console's directory: SWITCHBOARD_CONSOLE_DIR, else the build in apps/console/dist. */
export function consoleDirFrom(env: Readonly<Record<string, string | undefined>>): string {
  const dir = env['SWITCHBOARD_CONSOLE_DIR']?.trim();
  return dir ? dir : DEFAULT_CONSOLE_DIR;
}

/**
 * Scripts and styles only from the console's own files (no inline code, no eval), API calls to the same origin,
 * and never inside a frame.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

const NOT_BUILT =
  'The console has not been built: run `npm run build` (it builds apps/console into apps/console/dist), ' +
  'or point SWITCHBOARD_CONSOLE_DIR at a built console, then restart the gateway.\n';

function send(request: FastifyRequest, reply: FastifyReply, asset: ConsoleAsset): FastifyReply {
  void reply
    .headers(SECURITY_HEADERS)
    .header('content-type', asset.contentType)
    .header('etag', asset.etag)
    .header('vary', 'accept-encoding')
    .header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  const acceptsGzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
  if (asset.gzip !== null && acceptsGzip) return reply.header('content-encoding', 'gzip').send(asset.gzip);
  return reply.send(asset.body);
}

/**
 * Serves the web console at /console: its files by name, and index.html for every other path below it (the
 * console's own routes, e.g. /console/providers/prv_1), except under assets/, where a missing file is a 404.
 */
export function registerConsole(fastify: FastifyInstance, options: { readonly dir: string; readonly logger: Logger }): void {
  const assets: ConsoleAssets | null = loadConsoleAssets(options.dir);
  if (assets === null) options.logger.warn('console not built: /console answers 503', { dir: options.dir });

  const serve = async (request: FastifyRequest, reply: FastifyReply, path: string) => {
    if (assets === null) {
      return reply.code(503).headers(SECURITY_HEADERS).header('content-type', 'text/plain; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT);
    }
    const file = assets.files.get(path);
    if (file !== undefined) return send(request, reply, file);
    if (path.startsWith('assets/') || (path.includes('.') && !path.includes('/'))) {
      return reply.code(404).headers(SECURITY_HEADERS).header('content-type', 'text/plain; charset=utf-8').send('no such console file\n');
    }
    return send(request, reply, assets.index);
  };

  fastify.get('/console', (request, reply) => serve(request, reply, ''));
  fastify.get<{ Params: { '*': string } }>('/console/*', (request, reply) => serve(request, reply, request.params['*']));
}
