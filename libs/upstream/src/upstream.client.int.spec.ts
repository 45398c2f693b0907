import type { IncomingMessage, ServerResponse } from 'node:http';
import { EgressPolicy } from './egress.policy.js';
import { checkEndpoint } from './endpoint.check.js';
import { fakeResolver, type Answers } from './testing/fake.resolver.js';
import { loopbackOnlySockets, nextTurn, startLoopbackServer, type LoopbackServer, type SocketSpy } from './testing/loopback.fixture.js';
import { UpstreamClient } from './upstream.client.js';

/** The calling tenant; no entry in these specs names a tenant. */
const TENANT = 'ten_upstreamspec';

/** The only network these specs touch: servers on 127.0.0.1 / ::1 started here. */
describe('UpstreamClient egress (loopback servers)', () => {
  let upstream: LoopbackServer;
  let redirectTarget: LoopbackServer;
  let upstreamV6: LoopbackServer;
  const clients: UpstreamClient[] = [];

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.url?.startsWith('/redirect-private') === true) {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/iam' }).end();
    } else if (req.url?.startsWith('/redirect') === true) {
      res.writeHead(302, { location: `${redirectTarget.origin}/collect?token=sk-leak` }).end('moved');
    } else if (req.url === '/close') {
      res.writeHead(200, { 'content-type': 'application/json', connection: 'close' }).end('{"closing":true}');
    } else {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url, host: req.headers.host })));
    }
  };

  beforeAll(async () => {
    redirectTarget = await startLoopbackServer((_req, res) => res.end('{"followed":true}'));
    upstream = await startLoopbackServer(handler);
    upstreamV6 = await startLoopbackServer(handler, { host: '::1' });
  });

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await Promise.all([upstream.close(), redirectTarget.close(), upstreamV6.close()]);
  });

  const clientWith = (allow: string | undefined, answers: Answers = {}): { client: UpstreamClient; sockets: SocketSpy } => {
    const sockets = loopbackOnlySockets();
    const client = new UpstreamClient({
      policy: EgressPolicy.fromEnv(allow),
      resolver: fakeResolver(answers).resolve,
      wrapSocketConnector: sockets.wrap,
      timeouts: { connectMs: 2_000 },
    });
    clients.push(client);
    return { client, sockets };
  };

  describe('refuses SSRF targets before any socket is opened', () => {
    const answers: Answers = { 'private.test': ['10.0.0.7'], 'loop.test': ['127.0.0.1'], 'mixed.test': ['127.0.0.1', '10.0.0.1'] };

    it.each([
      ['loopback', (port: number) => `http://127.0.0.1:${port}/v1/models`, 'loopback address (127.0.0.1)'],
      ['a decimal loopback host', (port: number) => `http://2130706433:${port}/v1/models`, 'loopback address (127.0.0.1)'],
      ['a hex/short loopback host', (port: number) => `http://0x7f.1:${port}/`, 'loopback address (127.0.0.1)'],
      ['an IPv4-mapped loopback', (port: number) => `http://[::ffff:127.0.0.1]:${port}/`, 'loopback address (::ffff:127.0.0.1, which is 127.0.0.1)'],
      ['IPv6 loopback', (port: number) => `http://[::1]:${port}/`, 'loopback address (::1)'],
      ['the metadata endpoint', () => 'http://169.254.169.254/latest/meta-data/', 'cloud metadata address (169.254.169.254)'],
      ['a name resolving to a private address', (port: number) => `http://private.test:${port}/`, 'private address (10.0.0.7)'],
      ['a name resolving to loopback', (port: number) => `http://loop.test:${port}/`, 'loopback address (127.0.0.1)'],
      ['a name with one private record among others', (port: number) => `https://mixed.test:${port}/`, 'loopback address (127.0.0.1)'],
    ])('%s', async (_label, url, reason) => {
      const { client, sockets } = clientWith(undefined, answers);
      const before = upstream.connections() + upstreamV6.connections();
      const target = url(upstream.port).replace(`[::1]:${upstream.port}`, `[::1]:${upstreamV6.port}`);

      const streamed = await client.request({ tenantId: TENANT, url: target, method: 'POST', headers: { authorization: 'Bearer sk-live-123' }, body: '{}' });
      const discovered = await client.getJson({ tenantId: TENANT, url: target, headers: { authorization: 'Bearer sk-live-123' } });

      for (const result of [streamed, discovered]) {
        expect(result).toMatchObject({ ok: false, error: { kind: 'refused_address' } });
        expect(!result.ok && result.error.message).toContain(reason);
        expect(JSON.stringify(result)).not.toContain('sk-live-123');
      }
      expect(sockets.attempts).toEqual([]);
      expect(upstream.connections() + upstreamV6.connections()).toBe(before);
    });

    it('refuses a name whose records are partly allowlisted', async () => {
      const { client, sockets } = clientWith('127.0.0.1/32', answers);
      const result = await client.getJson({ tenantId: TENANT, url: `http://mixed.test:${upstream.port}/` });
      expect(result).toMatchObject({ ok: false, error: { kind: 'refused_address', message: expect.stringContaining('private address (10.0.0.1)') } });
      expect(sockets.attempts).toEqual([]);
    });

    it('refuses plain http to a public address at connect time', async () => {
      const { client, sockets } = clientWith(undefined, { 'api.example.com': ['104.18.6.192'] });
      const result = await client.getJson({ tenantId: TENANT, url: 'http://api.example.com/v1/models' });
      expect(result).toMatchObject({ ok: false, error: { kind: 'refused_address', message: expect.stringContaining('must use https') } });
      expect(sockets.attempts).toEqual([]);
    });
  });

  it('serves an allowlisted loopback upstream over one kept-alive connection', async () => {
    const { client, sockets } = clientWith('127.0.0.1/32');
    const before = upstream.connections();

    const first = await client.getJson({ tenantId: TENANT, url: `${upstream.origin}/v1/models` });
    await nextTurn();
    const streamed = await client.request({ tenantId: TENANT, url: `${upstream.origin}/v1/chat/completions`, method: 'POST', body: '{"model":"m"}' });
    if (!streamed.ok) throw new Error(streamed.error.message);
    const chunks: Buffer[] = [];
    for await (const chunk of streamed.value.body) chunks.push(chunk as Buffer);
    await nextTurn();
    const second = await client.getJson({ tenantId: TENANT, url: `${upstream.origin}/v1/models?limit=1` });

    expect(first).toMatchObject({ ok: true, value: { status: 200, json: { path: '/v1/models' } } });
    expect(JSON.parse(Buffer.concat(chunks).toString())).toEqual({ path: '/v1/chat/completions', host: `127.0.0.1:${upstream.port}` });
    expect(second).toMatchObject({ ok: true, value: { status: 200, json: { path: '/v1/models?limit=1' } } });
    expect(upstream.connections() - before).toBe(1);
    expect(sockets.attempts.map((target) => target.hostname)).toEqual(['127.0.0.1']);
  });

  it('connects to the address it checked while keeping the hostname for Host and SNI', async () => {
    const { client, sockets } = clientWith('127.0.0.1/32', { 'upstream.test': ['127.0.0.1'] });
    const result = await client.getJson({ tenantId: TENANT, url: `http://upstream.test:${upstream.port}/v1/models` });
    expect(result).toMatchObject({ ok: true, value: { json: { host: `upstream.test:${upstream.port}` } } });
    expect(sockets.attempts).toEqual([expect.objectContaining({ hostname: '127.0.0.1', servername: 'upstream.test', port: String(upstream.port) })]);
  });

  it('reaches an allowlisted IPv6 loopback upstream', async () => {
    const { client, sockets } = clientWith('::1/128');
    expect(await client.getJson({ tenantId: TENANT, url: `${upstreamV6.origin}/v1/models` })).toMatchObject({ ok: true, value: { status: 200 } });
    expect(sockets.attempts.map((target) => target.hostname)).toEqual(['::1']);
  });

  it('returns a 302 as an error and never follows it', async () => {
    const { client, sockets } = clientWith('127.0.0.1/32');

    const discovered = await client.getJson({ tenantId: TENANT, url: `${upstream.origin}/redirect` });
    await nextTurn();
    const streamed = await client.request({ tenantId: TENANT, url: `${upstream.origin}/redirect`, method: 'POST', body: '{}' });
    await nextTurn();
    const toMetadata = await client.getJson({ tenantId: TENANT, url: `${upstream.origin}/redirect-private` });

    for (const result of [discovered, streamed]) {
      expect(result).toEqual({
        ok: false,
        error: { kind: 'redirect', status: 302, message: `${upstream.origin} answered 302 (to another origin); redirects are not followed` },
      });
    }
    // Where it pointed is never quoted: the upstream chose it, and the message reaches logs and clients.
    expect(toMetadata).toMatchObject({ ok: false, error: { kind: 'redirect', message: expect.stringContaining('(to another origin)') } });
    expect(JSON.stringify(toMetadata)).not.toContain('169.254');
    expect(redirectTarget.connections()).toBe(0);
    expect(sockets.attempts.map((target) => target.hostname)).toEqual(['127.0.0.1']);
  });

  it('refuses at connect time a DNS answer that changed after the save-time check (rebinding)', async () => {
    let answer: readonly string[] = ['104.18.6.192'];
    const answers: Answers = { 'rebind.test': () => answer };
    const policy = EgressPolicy.fromEnv(undefined);
    const checked = await checkEndpoint(`https://rebind.test:${upstream.port}/v1`, policy, TENANT, fakeResolver(answers).resolve);
    expect(checked).toMatchObject({ ok: true, value: { addresses: ['104.18.6.192'] } });

    answer = ['127.0.0.1'];
    const { client, sockets } = clientWith(undefined, answers);
    const before = upstream.connections();
    const result = await client.getJson({ tenantId: TENANT, url: `https://rebind.test:${upstream.port}/v1/models` });

    expect(result).toMatchObject({ ok: false, error: { kind: 'refused_address', message: expect.stringContaining('loopback address (127.0.0.1)') } });
    expect(sockets.attempts).toEqual([]);
    expect(upstream.connections()).toBe(before);
  });

  it('checks every new connection, so a rebind after the first connection closes is refused', async () => {
    let answer: readonly string[] = ['127.0.0.1'];
    const { client, sockets } = clientWith('127.0.0.1/32', { 'flip.test': () => answer });

    expect(await client.getJson({ tenantId: TENANT, url: `http://flip.test:${upstream.port}/close` })).toMatchObject({ ok: true, value: { json: { closing: true } } });
    answer = ['10.0.0.9'];
    const second = await client.getJson({ tenantId: TENANT, url: `http://flip.test:${upstream.port}/v1/models` });

    expect(second).toMatchObject({ ok: false, error: { kind: 'refused_address', message: expect.stringContaining('private address (10.0.0.9)') } });
    expect(sockets.attempts.map((target) => target.hostname)).toEqual(['127.0.0.1']);
  });

  it('maps a refused connection and an unknown host to connect_failed', async () => {
    const closed = await startLoopbackServer((_req, res) => res.end());
    await closed.close();
    const { client } = clientWith('127.0.0.1/32');
    expect(await client.getJson({ tenantId: TENANT, url: `${closed.origin}/` })).toEqual({
      ok: false,
      error: { kind: 'connect_failed', message: `could not connect to ${closed.origin} (ECONNREFUSED)` },
    });
    expect(await client.getJson({ tenantId: TENANT, url: 'https://nowhere.test/' })).toEqual({
      ok: false,
      error: { kind: 'connect_failed', message: 'upstream https://nowhere.test: host nowhere.test does not resolve' },
    });
  });

  describe('entries narrowed to a tenant or a port, checked for the calling tenant on every new connection', () => {
    const OWNER = 'ten_owner';

    it('serves the named tenant and refuses every other one, even with the owner\'s connection in the pool', async () => {
      const { client, sockets } = clientWith(`${OWNER}@127.0.0.1/32:${upstream.port}`);
      const before = upstream.connections();
      expect(await client.getJson({ tenantId: OWNER, url: `${upstream.origin}/v1/models` })).toMatchObject({ ok: true, value: { status: 200 } });
      await nextTurn();

      const other = await client.getJson({ tenantId: TENANT, url: `${upstream.origin}/v1/models` });
      expect(other).toMatchObject({ ok: false, error: { kind: 'refused_address' } });
      expect(!other.ok && other.error.message).toContain(
        `endpoint 127.0.0.1:${upstream.port} resolves to a loopback address (127.0.0.1), which SWITCHBOARD_EGRESS_ALLOW does not allow for this tenant on port ${upstream.port}`,
      );
      expect(upstream.connections() - before).toBe(1);
      expect(sockets.attempts).toHaveLength(1);
      // The owner's kept-alive connection still serves the owner.
      expect(await client.getJson({ tenantId: OWNER, url: `${upstream.origin}/v1/models` })).toMatchObject({ ok: true });
      expect(upstream.connections() - before).toBe(1);
    });

    it('refuses a port the entry does not name, for its own tenant too', async () => {
      const { client, sockets } = clientWith(`${OWNER}@127.0.0.1/32:${upstream.port}`);
      const result = await client.getJson({ tenantId: OWNER, url: `${redirectTarget.origin}/` });
      expect(result).toMatchObject({
        ok: false,
        error: {
          kind: 'refused_address',
          message: expect.stringContaining(`allows for tenant ${OWNER} only on port ${upstream.port}, not on port ${redirectTarget.port}`),
        },
      });
      expect(sockets.attempts).toEqual([]);
      expect(redirectTarget.connections()).toBe(0);
    });

    it('matches a bracketed IPv6 entry on its port', async () => {
      const { client } = clientWith(`[::1/128]:${upstreamV6.port}`);
      expect(await client.getJson({ tenantId: TENANT, url: `${upstreamV6.origin}/v1/models` })).toMatchObject({ ok: true, value: { status: 200 } });
      const otherPort = await client.getJson({ tenantId: TENANT, url: `http://[::1]:${upstream.port}/` });
      expect(otherPort).toMatchObject({ ok: false, error: { kind: 'refused_address', message: expect.stringContaining('only on port') } });
    });
  });

  it('refuses URLs it must not send, without echoing them', async () => {
    const { client, sockets } = clientWith('127.0.0.1/32');
    const withCredentials = await client.getJson({ tenantId: TENANT, url: `http://user:sk-secret@127.0.0.1:${upstream.port}/` });
    expect(withCredentials).toMatchObject({ ok: false, error: { kind: 'invalid_request' } });
    expect(JSON.stringify(withCredentials)).not.toContain('sk-secret');
    expect(await client.getJson({ tenantId: TENANT, url: 'file:///etc/passwd' })).toMatchObject({ ok: false, error: { kind: 'invalid_request' } });
    expect(sockets.attempts).toEqual([]);
  });
});
