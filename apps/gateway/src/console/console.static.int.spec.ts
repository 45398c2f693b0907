import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { createLogger } from '@switchboard/telemetry';
import { CONSOLE_CSP, consoleDirFrom, registerConsole } from './console.static.js';
import { DEFAULT_CONSOLE_DIR } from './console.assets.js';

const INDEX = '<!doctype html><html><head><script type="module" src="/console/assets/index-abc123.js"></script></head><body><div id="root"></div></body></html>';
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(2000))});`;

interface Answer {
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders;
  readonly rawPayload: Buffer;
  readonly body: string;
}

/** A raw GET (no automatic decompression), over a real socket: Fastify's inject cannot load under Jest on Node 20. */
async function get(app: FastifyInstance, url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const { port } = app.server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: url, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const rawPayload = Buffer.concat(chunks);
        resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, rawPayload, body: rawPayload.toString() });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const listening = async (app: FastifyInstance): Promise<FastifyInstance> => {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return app;
};

describe('the console at /console', () => {
  let dir: string;
  let app: FastifyInstance;
  const logger = createLogger('gateway', { write: () => undefined });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sb-console-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), INDEX);
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), SCRIPT);
    writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    app = Fastify();
    registerConsole(app, { dir, logger });
    await listening(app);
  });

  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html at /console and for the client routes below it, never cached without a check', async () => {
    for (const url of ['/console', '/console/', '/console/providers', '/console/providers/prv_1/edit']) {
      const res = await get(app, url);
      expect([url, res.statusCode, res.body, res.headers['cache-control'], res.headers['content-type']]).toEqual([url, 200, INDEX, 'no-cache', 'text/html; charset=utf-8']);
    }
  });

  it('sends hashed assets as immutable, gzipped when the client takes gzip, and answers 304 to a matching ETag', async () => {
    const plain = await get(app, '/console/assets/index-abc123.js');
    expect([plain.statusCode, plain.body, plain.headers['cache-control'], plain.headers['content-type']]).toEqual([200, SCRIPT, 'public, max-age=31536000, immutable', 'text/javascript; charset=utf-8']);
    const gzipped = await get(app, '/console/assets/index-abc123.js', { 'accept-encoding': 'gzip, br' });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzipped.rawPayload).toString()).toBe(SCRIPT);
    const again = await get(app, '/console/assets/index-abc123.js', { 'if-none-match': String(plain.headers['etag']) });
    expect([again.statusCode, again.body]).toEqual([304, '']);
    const root = await get(app, '/console/favicon.svg');
    expect([root.statusCode, root.headers['cache-control'], root.headers['content-type']]).toEqual([200, 'no-cache', 'image/svg+xml']);
  });

  it('answers 404 for a missing asset and never serves a file outside the directory', async () => {
    for (const url of ['/console/assets/index-missing.js', '/console/missing.png', '/console/..%2f..%2fetc%2fpasswd', '/console/assets/..%2F..%2Findex.html']) {
      const res = await get(app, url);
      expect([url, res.statusCode === 404 || (res.statusCode === 200 && res.body === INDEX)]).toEqual([url, true]);
      expect(res.body).not.toContain('root:');
    }
    expect((await get(app, '/console/assets/index-missing.js')).statusCode).toBe(404);
  });

  it('sends a strict CSP and the other security headers with every answer', async () => {
    for (const url of ['/console', '/console/assets/index-abc123.js', '/console/assets/nope.js']) {
      const res = await get(app, url);
      expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
    }
    expect(CONSOLE_CSP).toContain("default-src 'self'");
    expect(CONSOLE_CSP).toContain("frame-ancestors 'none'");
    expect(CONSOLE_CSP).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  });

  it('answers 503 with what to do when the console was not built', async () => {
    const bare = Fastify();
    const empty = mkdtempSync(join(tmpdir(), 'sb-console-empty-'));
    registerConsole(bare, { dir: empty, logger });
    await listening(bare);
    const res = await get(bare, '/console/providers');
    await bare.close();
    rmSync(empty, { recursive: true, force: true });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('npm run build');
    expect(res.body).toContain('SWITCHBOARD_CONSOLE_DIR');
  });

  it('takes its directory from SWITCHBOARD_CONSOLE_DIR, else the build in apps/console/dist', () => {
    expect(consoleDirFrom({ SWITCHBOARD_CONSOLE_DIR: '/srv/console' })).toBe('/srv/console');
    expect(consoleDirFrom({ SWITCHBOARD_CONSOLE_DIR: ' ' })).toBe(DEFAULT_CONSOLE_DIR);
    expect(DEFAULT_CONSOLE_DIR).toMatch(/apps\/console\/dist$/);
  });
});
