import { EgressPolicy } from './egress.policy.js';
import { checkEndpoint, requestTargetOf } from './endpoint.check.js';
import type { Resolver } from './host.resolver.js';
import { fakeResolver } from './testing/fake.resolver.js';

const strict = EgressPolicy.fromEnv(undefined);
const TENANT = 'ten_saving';
const dns = fakeResolver({
  'api.example.com': ['104.18.6.192', '2606:4700::6812:6c0'],
  'llm.internal': ['10.1.2.3'],
  'mixed.example.com': ['104.18.6.192', '192.168.0.10'],
  'v6-mapped.example.com': ['::ffff:127.0.0.1'],
  'metadata.example.com': ['169.254.169.254'],
  'vllm.lan': ['10.0.0.5', '10.0.0.6'],
  'empty.example.com': [],
});

const message = async (url: string, policy = strict, resolver: Resolver = dns.resolve): Promise<string> => {
  const checked = await checkEndpoint(url, policy, TENANT, resolver);
  if (checked.ok) return 'accepted';
  expect(checked.error.code).toBe('validation_failed');
  return checked.error.message;
};

describe('checkEndpoint', () => {
  it('accepts an https endpoint whose every address is public', async () => {
    expect(await checkEndpoint('https://API.example.com/v1', strict, TENANT, dns.resolve)).toEqual({
      ok: true,
      value: {
        url: 'https://api.example.com/v1',
        origin: 'https://api.example.com',
        protocol: 'https:',
        hostname: 'api.example.com',
        port: 443,
        addresses: ['104.18.6.192', '2606:4700::6812:6c0'],
        allowlisted: false,
      },
    });
  });

  it('refuses a hostname that resolves to a private address', async () => {
    expect(await message('https://llm.internal/v1')).toBe(
      'endpoint llm.internal:443 resolves to a private address (10.1.2.3), which SWITCHBOARD_EGRESS_ALLOW does not allow for tenant ten_saving ' +
        'on port 443; an entry such as ten_saving@10.1.2.3/32:443 would allow it',
    );
    const checked = await checkEndpoint('https://llm.internal/v1', strict, TENANT, dns.resolve);
    expect(checked).toMatchObject({ ok: false, error: { details: { address: '10.1.2.3', category: 'private', hostname: 'llm.internal', port: 443 } } });
  });

  it('refuses mixed public and private records', async () => {
    expect(await message('https://mixed.example.com')).toMatch(/^endpoint mixed\.example\.com:443 resolves to a private address \(192\.168\.0\.10\), which /);
  });

  it('refuses an AAAA record that maps to loopback, and a metadata record', async () => {
    expect(await message('https://v6-mapped.example.com')).toMatch(/loopback address \(::ffff:127\.0\.0\.1, which is 127\.0\.0\.1\)/);
    expect(await message('https://metadata.example.com')).toMatch(/cloud metadata address \(169\.254\.169\.254\)/);
  });

  it.each([
    ['http://127.0.0.1:8080/v1', '127.0.0.1'],
    ['http://2130706433/', '127.0.0.1'],
    ['http://0x7f.1/', '127.0.0.1'],
    ['http://0x7F000001/', '127.0.0.1'],
    ['http://017700000001/', '127.0.0.1'],
    ['http://127.1/', '127.0.0.1'],
    ['http://127.0.0.1./', '127.0.0.1'],
    ['http://0/', '0.0.0.0'],
    ['http://[::1]/', '::1'],
    ['http://[::ffff:127.0.0.1]/', '::ffff:127.0.0.1'],
    ['http://[::ffff:7f00:1]/', '::ffff:127.0.0.1'],
    ['http://169.254.169.254/latest/meta-data/', '169.254.169.254'],
    ['http://[fd00:ec2::254]/', 'fd00:ec2::254'],
    ['https://0251.0376.0251.0376/', '169.254.169.254'],
    ['https://[64:ff9b::a9fe:a9fe]/', '64:ff9b::a9fe:a9fe'],
  ])('normalises the numeric host of %s and refuses %s without asking DNS', async (url, address) => {
    const before = dns.asked.length;
    expect(await message(url)).toContain(`(${address}`);
    expect(dns.asked.length).toBe(before);
  });

  it('accepts an allowlisted CIDR over plain http', async () => {
    const policy = EgressPolicy.fromEnv('10.0.0.0/8,127.0.0.1/32');
    expect(await checkEndpoint('http://vllm.lan:8000/v1', policy, TENANT, dns.resolve)).toMatchObject({
      ok: true,
      value: { url: 'http://vllm.lan:8000/v1', port: 8000, addresses: ['10.0.0.5', '10.0.0.6'], allowlisted: true },
    });
    expect(await checkEndpoint('http://2130706433:9000/', policy, TENANT, dns.resolve)).toMatchObject({
      ok: true,
      value: { hostname: '127.0.0.1', origin: 'http://127.0.0.1:9000', allowlisted: true },
    });
    expect(await message('http://127.0.0.2/', policy)).toMatch(/loopback address \(127\.0\.0\.2\)/);
  });

  it('checks the tenant saving the endpoint and the port it resolves to, by default 443 or 80', async () => {
    const policy = EgressPolicy.fromEnv('ten_owner@10.0.0.0/8:8000, 10.0.0.6/32:443');
    const as = (url: string, tenantId: string) => checkEndpoint(url, policy, tenantId, dns.resolve);
    expect(await as('http://vllm.lan:8000/v1', 'ten_owner')).toMatchObject({ ok: true, value: { port: 8000, allowlisted: true } });
    expect(await as('http://vllm.lan:8000/v1', TENANT)).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/^endpoint vllm\.lan:8000 resolves to a private address \(10\.0\.0\.5\), which SWITCHBOARD_EGRESS_ALLOW does not allow for tenant ten_saving on port 8000/) },
    });
    expect(await as('http://vllm.lan:8001/v1', 'ten_owner')).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining('allows for tenant ten_owner only on port 8000, not on port 8001') },
    });
    expect(await as('https://10.0.0.6/v1', TENANT)).toMatchObject({ ok: true, value: { port: 443 } });
    expect(await as('https://10.0.0.6:443/v1', TENANT)).toMatchObject({ ok: true, value: { port: 443 } });
    expect(await as('http://10.0.0.6/v1', TENANT)).toMatchObject({ ok: false, error: { message: expect.stringContaining('only on port 443, not on port 80') } });
  });

  it('requires https unless every address is allowlisted', async () => {
    expect(await message('http://api.example.com/v1')).toBe(
      'endpoint must use https; plain http is allowed only for addresses SWITCHBOARD_EGRESS_ALLOW allows for tenant ten_saving on port 80 ' +
        '(api.example.com resolves to 104.18.6.192)',
    );
    const partly = EgressPolicy.fromEnv('10.0.0.5/32');
    expect(await message('http://vllm.lan/', partly)).toMatch(/^endpoint vllm\.lan:80 resolves to a private address \(10\.0\.0\.6\)/);
  });

  it.each([
    ['not a url', 'endpoint is not a valid absolute URL'],
    ['/v1/models', 'endpoint is not a valid absolute URL'],
    ['ftp://api.example.com/', 'endpoint must use http or https, not ftp'],
    ['file:///etc/passwd', 'endpoint must use http or https, not file'],
    ['https://user:sk-secret@api.example.com/', 'endpoint must not contain credentials; store the API key as the provider secret'],
    ['https://sk-secret@api.example.com/', 'endpoint must not contain credentials; store the API key as the provider secret'],
    ['https://api.example.com/v1#frag', 'endpoint must not contain a fragment (#...)'],
    ['https://api.example.com/v1#', 'endpoint must not contain a fragment (#...)'],
    ['http://10.0.0.5/admin/users?x=', 'endpoint must not contain a query (?...); request paths are appended to it'],
    ['https://api.example.com/v1?', 'endpoint must not contain a query (?...); request paths are appended to it'],
    ['https://api.example.com/v1?api-version=1', 'endpoint must not contain a query (?...); request paths are appended to it'],
    ['https://nowhere.invalid/', 'endpoint host nowhere.invalid does not resolve'],
    ['https://empty.example.com/', 'endpoint host empty.example.com has no A or AAAA records'],
    ['http://127.0.0.1:0/', 'endpoint port 0 is not a valid port'],
  ])('refuses %j', async (url, expected) => {
    expect(await message(url)).toBe(expected);
  });

  it('never echoes credentials from the URL', async () => {
    const checked = await checkEndpoint('https://user:sk-secret@api.example.com/', strict, TENANT, dns.resolve);
    expect(JSON.stringify(checked)).not.toContain('sk-secret');
  });

  it('reports a DNS outage as unavailable rather than a bad endpoint', async () => {
    const down: Resolver = () => Promise.reject(Object.assign(new Error('getaddrinfo EAI_AGAIN'), { code: 'EAI_AGAIN' }));
    expect(await checkEndpoint('https://api.example.com/', strict, TENANT, down)).toMatchObject({
      ok: false,
      error: { code: 'unavailable', message: 'resolving endpoint host api.example.com failed (EAI_AGAIN); try again' },
    });
  });
});

describe('requestTargetOf', () => {
  it('gives the origin and the request line path, the same again for the same URL', () => {
    const first = requestTargetOf('http://127.0.0.1:8080/v1/chat/completions?api-version=2');
    expect(first).toEqual({ ok: true, value: { origin: 'http://127.0.0.1:8080', path: '/v1/chat/completions?api-version=2' } });
    expect(requestTargetOf('http://127.0.0.1:8080/v1/chat/completions?api-version=2')).toEqual(first);
    expect(requestTargetOf('https://api.example.com/v1/messages')).toEqual({ ok: true, value: { origin: 'https://api.example.com', path: '/v1/messages' } });
  });

  it.each([
    ['ftp://api.example.com/v1', 'endpoint must use http or https, not ftp'],
    ['https://user:sk-secret@api.example.com/v1', 'endpoint must not contain credentials; store the API key as the provider secret'],
    ['not a url', 'endpoint is not a valid absolute URL'],
  ])('refuses %j every time it is asked, with the reason', (url, reason) => {
    for (let i = 0; i < 2; i++) {
      const target = requestTargetOf(url);
      expect(target).toMatchObject({ ok: false, error: { message: reason } });
      expect(JSON.stringify(target)).not.toContain('sk-secret');
    }
  });
});
