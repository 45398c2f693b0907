import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EgressPolicy } from './egress.policy.js';
import { fakeResolver } from './testing/fake.resolver.js';
import { loopbackOnlySockets, startLoopbackServer, type LoopbackServer, type TlsMaterial } from './testing/loopback.fixture.js';
import { UpstreamClient } from './upstream.client.js';

/** The calling tenant; no entry in these specs names a tenant. */
const TENANT = 'ten_upstreamspec';

/** A throwaway self-signed certificate for upstream.test, made per run so no key lives in the repo. */
function selfSigned(hostname: string): TlsMaterial {
  const dir = mkdtempSync(join(tmpdir(), 'upstream-tls-'));
  try {
    const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'];
    execFileSync('openssl', [...args, '-keyout', key, '-out', cert, '-subj', `/CN=${hostname}`, '-addext', `subjectAltName=DNS:${hostname}`], {
      stdio: 'ignore',
    });
    return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('UpstreamClient over TLS with a pinned address (loopback server)', () => {
  let upstream: LoopbackServer;
  let tls: TlsMaterial;
  const clients: UpstreamClient[] = [];
  const dns = fakeResolver({ 'upstream.test': ['127.0.0.1'], 'other.test': ['127.0.0.1'] });

  beforeAll(async () => {
    tls = selfSigned('upstream.test');
    upstream = await startLoopbackServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"secure":true}'), { tls });
  });

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await upstream.close();
  });

  const clientWith = (trust: boolean): { client: UpstreamClient; attempts: ReturnType<typeof loopbackOnlySockets>['attempts'] } => {
    const sockets = loopbackOnlySockets();
    const client = new UpstreamClient({
      policy: EgressPolicy.fromEnv('127.0.0.1/32'),
      resolver: dns.resolve,
      wrapSocketConnector: sockets.wrap,
      ...(trust ? { extraCa: [tls.cert] } : {}),
    });
    clients.push(client);
    return { client, attempts: sockets.attempts };
  };

  it('connects to the checked IP but verifies the certificate and sends SNI for the hostname', async () => {
    const { client, attempts } = clientWith(true);
    const before = upstream.servernames.length;
    expect(await client.getJson({ tenantId: TENANT, url: `https://upstream.test:${upstream.port}/v1/models` })).toMatchObject({ ok: true, value: { json: { secure: true } } });
    expect(upstream.servernames.slice(before)).toEqual(['upstream.test']);
    expect(attempts).toEqual([expect.objectContaining({ hostname: '127.0.0.1', servername: 'upstream.test', protocol: 'https:' })]);
  });

  it('maps a certificate for another name, or an untrusted one, to tls', async () => {
    const trusted = clientWith(true).client;
    const mismatch = await trusted.getJson({ tenantId: TENANT, url: `https://other.test:${upstream.port}/` });
    expect(mismatch).toEqual({ ok: false, error: { kind: 'tls', message: `TLS with https://other.test:${upstream.port} failed (ERR_TLS_CERT_ALTNAME_INVALID)` } });
    const byAddress = await trusted.getJson({ tenantId: TENANT, url: `https://127.0.0.1:${upstream.port}/` });
    expect(byAddress).toMatchObject({ ok: false, error: { kind: 'tls' } });

    const untrusting = clientWith(false).client;
    expect(await untrusting.getJson({ tenantId: TENANT, url: `https://upstream.test:${upstream.port}/` })).toMatchObject({
      ok: false,
      error: { kind: 'tls', message: expect.stringMatching(/SELF_SIGNED|UNABLE_TO_VERIFY/) },
    });
  });
});
