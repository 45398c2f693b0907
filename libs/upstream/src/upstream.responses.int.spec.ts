import type { IncomingMessage, ServerResponse } from 'node:http';
import { EgressPolicy } from './egress.policy.js';
import type { Resolver } from './host.resolver.js';
import { loopbackOnlySockets, startLoopbackServer, type LoopbackServer } from './testing/loopback.fixture.js';
import { UpstreamClient, type UpstreamClientOptions } from './upstream.client.js';
import { toUpstreamError } from './upstream.error.js';

/** The calling tenant; no entry in these specs names a tenant. */
const TENANT = 'ten_upstreamspec';

const MiB = 1024 * 1024;

describe('UpstreamClient responses, timeouts and limits (loopback server)', () => {
  let upstream: LoopbackServer;
  let releaseSecondChunk: () => void = () => undefined;
  const clients: UpstreamClient[] = [];

  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
    '/hang': () => undefined,
    '/stall': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"data":[');
    },
    '/stream': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"n":1}\n\n');
      releaseSecondChunk = () => res.end('data: {"n":2}\n\ndata: [DONE]\n\n');
    },
    '/big': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(256 * 1024, 0x20);
      for (let i = 0; i < 20; i += 1) res.write(chunk);
      res.end('{}');
    },
    '/big-declared': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(5 * MiB) });
      res.write('{"data":');
    },
    '/html': (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>'),
    '/unauthorized': (_req, res) => res.writeHead(401, { 'content-type': 'text/plain' }).end('invalid api key'),
    '/models': (req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: 'm1' }], accept: req.headers.accept })),
  };

  beforeAll(async () => {
    upstream = await startLoopbackServer((req, res) => {
      const route = routes[req.url ?? ''];
      if (route === undefined) res.writeHead(404).end();
      else route(req, res);
    });
  });

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
    await upstream.close();
  });

  const clientWith = (options: Partial<UpstreamClientOptions> = {}): UpstreamClient => {
    const client = new UpstreamClient({
      policy: EgressPolicy.fromEnv('127.0.0.1/32'),
      wrapSocketConnector: loopbackOnlySockets().wrap,
      ...options,
    });
    clients.push(client);
    return client;
  };

  it('reads discovery JSON and asks for JSON', async () => {
    expect(await clientWith().getJson({ tenantId: TENANT, url: `${upstream.origin}/models`, headers: { authorization: 'Bearer k' } })).toMatchObject({
      ok: true,
      value: { status: 200, json: { object: 'list', data: [{ id: 'm1' }], accept: 'application/json' } },
    });
  });

  it('hands a non-JSON error answer back as text, and refuses a non-JSON success', async () => {
    const client = clientWith();
    expect(await client.getJson({ tenantId: TENANT, url: `${upstream.origin}/unauthorized` })).toMatchObject({ ok: true, value: { status: 401, json: undefined, text: 'invalid api key' } });
    expect(await client.getJson({ tenantId: TENANT, url: `${upstream.origin}/html` })).toEqual({
      ok: false,
      error: { kind: 'bad_response', message: `${upstream.origin} answered 200 with a body that is not JSON` },
    });
  });

  it('streams the body as it arrives instead of buffering it', async () => {
    const result = await clientWith().request({ tenantId: TENANT, url: `${upstream.origin}/stream`, method: 'POST', body: '{"stream":true}' });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value).toMatchObject({ status: 200, headers: { 'content-type': 'text/event-stream' } });
    const iterator = result.value.body[Symbol.asyncIterator]();
    const first = (await iterator.next()) as IteratorResult<Buffer>;
    // The server has not sent the rest yet: the first event reached us on its own.
    expect(first.value.toString()).toBe('data: {"n":1}\n\n');
    releaseSecondChunk();
    let rest = '';
    for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) rest += (next.value as Buffer).toString();
    expect(rest).toBe('data: {"n":2}\n\ndata: [DONE]\n\n');
  });

  it('maps a missing response to timeout (headers)', async () => {
    const client = clientWith();
    const started = Date.now();
    const result = await client.request({ tenantId: TENANT, url: `${upstream.origin}/hang`, method: 'POST', body: '{}', timeouts: { headersMs: 200 } });
    expect(result).toEqual({ ok: false, error: { kind: 'timeout', message: `${upstream.origin} did not send response headers in time` } });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('maps a stalled body to timeout, for bounded reads and for streams', async () => {
    const client = clientWith({ jsonTimeouts: { bodyIdleMs: 200 } });
    expect(await client.getJson({ tenantId: TENANT, url: `${upstream.origin}/stall` })).toEqual({
      ok: false,
      error: { kind: 'timeout', message: `${upstream.origin} stopped sending the response body` },
    });

    const streamed = await client.request({ tenantId: TENANT, url: `${upstream.origin}/stall`, timeouts: { bodyIdleMs: 200 } });
    if (!streamed.ok) throw new Error(streamed.error.message);
    const failure = await (async () => {
      for await (const _chunk of streamed.value.body) void _chunk;
      return undefined;
    })().catch((error: unknown) => toUpstreamError(error, upstream.origin));
    expect(failure).toMatchObject({ kind: 'timeout' });
  });

  it('maps a connection that cannot be set up in time to timeout (connect)', async () => {
    const never: Resolver = () => new Promise(() => undefined);
    const client = clientWith({ resolver: never, timeouts: { connectMs: 200 } });
    expect(await client.getJson({ tenantId: TENANT, url: 'https://slow-dns.test/v1/models' })).toEqual({
      ok: false,
      error: { kind: 'timeout', message: 'upstream https://slow-dns.test: resolving slow-dns.test timed out' },
    });
  });

  it('maps a caller abort to aborted, before and during the request', async () => {
    const client = clientWith();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const during = await client.request({ tenantId: TENANT, url: `${upstream.origin}/hang`, method: 'POST', body: '{}', signal: controller.signal });
    expect(during).toEqual({ ok: false, error: { kind: 'aborted', message: `request to ${upstream.origin} was aborted` } });
    expect(await client.getJson({ tenantId: TENANT, url: `${upstream.origin}/models`, signal: controller.signal })).toMatchObject({ ok: false, error: { kind: 'aborted' } });
  });

  it('refuses to buffer more than 4 MiB for discovery, whether declared or streamed', async () => {
    const client = clientWith();
    const tooLarge = { ok: false, error: { kind: 'too_large', message: `response from ${upstream.origin} exceeds ${4 * MiB} bytes` } };
    expect(await client.getJson({ tenantId: TENANT, url: `${upstream.origin}/big-declared` })).toEqual(tooLarge);
    expect(await client.getJson({ tenantId: TENANT, url: `${upstream.origin}/big` })).toEqual(tooLarge);
    expect(await clientWith({ maxJsonBytes: 6 * MiB }).getJson({ tenantId: TENANT, url: `${upstream.origin}/big` })).toMatchObject({ ok: true, value: { json: {} } });
  });

  it('reports a header undici refuses as invalid_request without its value', async () => {
    const result = await clientWith().request({ tenantId: TENANT, url: `${upstream.origin}/models`, headers: { 'x-key': 'sk-1\r\nx-injected: 1' } });
    expect(result).toMatchObject({ ok: false, error: { kind: 'invalid_request' } });
    expect(JSON.stringify(result)).not.toContain('sk-1');
  });
});
