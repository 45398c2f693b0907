import type { AddressCategory } from './address.classifier.js';
import { EgressPolicy, describeRefusal, type EgressDestination, type EgressScope } from './egress.policy.js';

const strict = EgressPolicy.fromEnv(undefined);
/** A tenant no entry in these specs names, calling port 443. */
const anyone: EgressScope = { tenantId: 'ten_anyone', port: 443 };
const to = (hostname: string, protocol: string, scope: EgressScope = anyone): EgressDestination => ({ hostname, protocol, ...scope });

const categoryOf = (policy: EgressPolicy, address: string): AddressCategory | 'not_an_ip' | 'allowed' => {
  const verdict = policy.judge(address, anyone);
  return verdict.allowed ? 'allowed' : verdict.refusal.category;
};

describe('EgressPolicy without an allowlist', () => {
  it.each<[string, AddressCategory]>([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.0.1', 'link_local'],
    ['fe80::1', 'link_local'],
    ['febf:ffff::1', 'link_local'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['169.254.169.254', 'metadata'],
    ['169.254.170.2', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['168.63.129.16', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['fc00::1', 'unique_local'],
    ['fd12:3456::1', 'unique_local'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['0.1.2.3', 'reserved'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.0.8', 'reserved'],
    ['192.88.99.1', 'reserved'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['2001:2::1', 'benchmarking'],
    ['192.0.2.1', 'documentation'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['2001:db8::1', 'documentation'],
    ['3fff::1', 'documentation'],
    ['100::1', 'reserved'],
    ['2001::1', 'reserved'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'reserved'],
    ['64:ff9b:1::a00:1', 'reserved'],
    ['fec0::1', 'reserved'],
    ['5f00::1', 'reserved'],
    ['4000::1', 'reserved'],
    // IPv4 inside IPv6: the embedded address decides.
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['::ffff:0.0.0.0', 'unspecified'],
    ['::127.0.0.1', 'loopback'],
    ['::a00:1', 'private'],
    ['::ffff:0:7f00:1', 'loopback'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['64:ff9b::169.254.169.254', 'metadata'],
    ['2002:7f00:1::', 'loopback'],
    ['2002:c0a8:101::1', 'private'],
    ['2002:a9fe:a9fe::', 'metadata'],
    ['not-an-ip', 'not_an_ip' as AddressCategory],
  ])('refuses %s as %s', (address, category) => {
    expect(categoryOf(strict, address)).toBe(category);
  });

  it.each([
    '1.1.1.1',
    '8.8.8.8',
    '104.18.6.192',
    '172.15.255.255',
    '172.32.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '192.169.0.1',
    '198.17.255.255',
    '198.20.0.0',
    '223.255.255.255',
    '2606:4700::6810:1',
    '2a00:1450:4001:80b::200e',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1',
  ])('allows the public address %s', (address) => {
    expect(strict.judge(address, anyone)).toMatchObject({ allowed: true, category: 'public', allowlisted: false });
  });

  it('names the address and the remedy', () => {
    const refused = strict.admit(to('llm.internal', 'https:'), ['10.1.2.3']);
    expect(!refused.ok && describeRefusal(refused.error)).toBe(
      'endpoint llm.internal:443 resolves to a private address (10.1.2.3), which SWITCHBOARD_EGRESS_ALLOW does not allow for tenant ten_anyone ' +
        'on port 443; an entry such as ten_anyone@10.1.2.3/32:443 would allow it',
    );
    const mapped = strict.admit(to('x', 'https:', { tenantId: null, port: 8443 }), ['::ffff:7f00:1']);
    expect(!mapped.ok && describeRefusal(mapped.error)).toBe(
      'endpoint x:8443 resolves to a loopback address (::ffff:127.0.0.1, which is 127.0.0.1), which SWITCHBOARD_EGRESS_ALLOW does not allow ' +
        'for this tenant on port 8443; an entry such as [::ffff:127.0.0.1/128]:8443 would allow it',
    );
    const metadata = strict.admit(to('x', 'http:', { tenantId: null, port: 80 }), ['169.254.169.254']);
    expect(!metadata.ok && describeRefusal(metadata.error)).toBe(
      'endpoint x:80 resolves to a cloud metadata address (169.254.169.254); only an entry naming exactly that host allows it, ' +
        'such as SWITCHBOARD_EGRESS_ALLOW=169.254.169.254/32:80',
    );
  });

  it('refuses a host if any one of its addresses is refused', () => {
    const admitted = strict.admit(to('mixed.example', 'https:'), ['8.8.8.8', '2606:4700::1', '192.168.0.10']);
    expect(admitted).toMatchObject({ ok: false, error: { reason: 'address', refusal: { address: '192.168.0.10', category: 'private' } } });
  });

  it('admits public addresses over https only, in canonical form and resolver order', () => {
    expect(strict.admit(to('api.example', 'https:'), ['8.8.8.8', '2606:4700:0:0::1'])).toEqual({
      ok: true,
      value: { addresses: ['8.8.8.8', '2606:4700::1'], allowlisted: false },
    });
    expect(strict.admit(to('api.example', 'http:', { tenantId: 'ten_anyone', port: 80 }), ['8.8.8.8'])).toEqual({
      ok: false,
      error: { reason: 'plain_http', hostname: 'api.example', port: 80, tenantId: 'ten_anyone', address: '8.8.8.8' },
    });
    expect(strict.admit(to('api.example', 'https:'), [])).toMatchObject({ ok: false, error: { reason: 'no_address' } });
  });
});

describe('EgressPolicy with SWITCHBOARD_EGRESS_ALLOW', () => {
  const policy = EgressPolicy.fromEnv(' 10.0.0.0/8, 127.0.0.1/32 ,fd00::/8,, 192.168.1.7, 169.254.0.0/16, 203.0.113.0/24 ');

  it('keeps the entries in canonical form', () => {
    expect(policy.allowlist).toEqual(['10.0.0.0/8', '127.0.0.1/32', 'fd00::/8', '192.168.1.7/32', '169.254.0.0/16', '203.0.113.0/24']);
  });

  it.each(['10.1.2.3', '127.0.0.1', 'fd12::1', '192.168.1.7', '::ffff:127.0.0.1', '::ffff:10.9.9.9', '169.254.1.1', '203.0.113.5'])(
    'allows %s, marked as allowlisted',
    (address) => {
      expect(policy.judge(address, anyone)).toMatchObject({ allowed: true, allowlisted: true });
    },
  );

  it.each([
    ['127.0.0.2', 'loopback'],
    ['192.168.1.8', 'private'],
    ['fc00::1', 'unique_local'],
    ['::1', 'loopback'],
    // A broad range does not open the metadata endpoint inside it.
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    // Embedded in NAT64/6to4 the IPv4 entry does not apply: the IPv6 address is the destination.
    ['64:ff9b::a00:1', 'private'],
    ['2002:7f00:1::', 'loopback'],
  ])('still refuses %s (%s)', (address, category) => {
    expect(categoryOf(policy, address)).toBe(category);
  });

  it('allows a metadata address only through an entry naming exactly that host', () => {
    const exact = EgressPolicy.fromEnv('169.254.169.254/32,fd00:ec2::254/128');
    expect(exact.judge('169.254.169.254', anyone)).toMatchObject({ allowed: true, allowlisted: true });
    expect(exact.judge('::ffff:169.254.169.254', anyone)).toMatchObject({ allowed: true });
    expect(exact.judge('fd00:ec2::254', anyone)).toMatchObject({ allowed: true });
    expect(categoryOf(EgressPolicy.fromEnv('0.0.0.0/0,::/0'), '169.254.169.254')).toBe('metadata');
  });

  it('never allows unspecified, multicast or broadcast addresses', () => {
    const everything = EgressPolicy.fromEnv('0.0.0.0/0,::/0');
    expect(['0.0.0.0', '::', '224.0.0.1', 'ff02::1', '255.255.255.255'].map((a) => categoryOf(everything, a))).toEqual([
      'unspecified',
      'unspecified',
      'multicast',
      'multicast',
      'broadcast',
    ]);
    expect(categoryOf(everything, '10.0.0.1')).toBe('allowed');
  });

  it('allows plain http only when every address is allowlisted', () => {
    expect(policy.admit(to('vllm.lan', 'http:'), ['10.0.0.5', '127.0.0.1'])).toEqual({
      ok: true,
      value: { addresses: ['10.0.0.5', '127.0.0.1'], allowlisted: true },
    });
    expect(policy.admit(to('vllm.lan', 'http:'), ['10.0.0.5', '8.8.8.8'])).toMatchObject({ ok: false, error: { reason: 'plain_http', address: '8.8.8.8' } });
    expect(policy.admit(to('vllm.lan', 'https:'), ['10.0.0.5', '8.8.8.8'])).toMatchObject({ ok: true, value: { allowlisted: false } });
  });

  it.each([
    ['10.0.0.0/33', 'SWITCHBOARD_EGRESS_ALLOW: "10.0.0.0/33" is not a CIDR (prefix must be 0-32 for IPv4)'],
    ['fd00::/129', 'SWITCHBOARD_EGRESS_ALLOW: "fd00::/129" is not a CIDR (prefix must be 0-128 for IPv6)'],
    ['10.1.2.3/8', 'SWITCHBOARD_EGRESS_ALLOW: "10.1.2.3/8" has host bits set; did you mean 10.0.0.0/8?'],
    ['127.0.0.1/32,localhost', 'SWITCHBOARD_EGRESS_ALLOW: "localhost" is not a CIDR (bad address "localhost")'],
    ['010.0.0.0/8', 'SWITCHBOARD_EGRESS_ALLOW: "010.0.0.0/8" is not a CIDR (bad address "010.0.0.0")'],
    ['10.0.0.0/8/8', 'SWITCHBOARD_EGRESS_ALLOW: "10.0.0.0/8/8" is not a CIDR'],
    ['10.0.0.0/-1', 'SWITCHBOARD_EGRESS_ALLOW: "10.0.0.0/-1" is not a CIDR (prefix must be 0-32 for IPv4)'],
    ['fe80::1%eth0/128', 'SWITCHBOARD_EGRESS_ALLOW: "fe80::1%eth0/128" is not a CIDR (bad address "fe80::1%eth0")'],
  ])('refuses %j at start with a clear message', (value, message) => {
    expect(() => EgressPolicy.fromEnv(value)).toThrow(message);
    expect(EgressPolicy.parse(value)).toMatchObject({ ok: false, error: { code: 'validation_failed', message } });
  });

  it('treats an unset or blank variable as no allowlist', () => {
    expect(EgressPolicy.fromEnv('').allowlist).toEqual([]);
    expect(EgressPolicy.fromEnv(' , ').allowlist).toEqual([]);
  });
});

describe('EgressPolicy with entries narrowed to a tenant or a port', () => {
  const policy = EgressPolicy.fromEnv('ten_a@10.0.0.0/8:8000, 10.9.0.0/16:443, ten_b@10.1.0.0/16, [fd00::/8]:8000, 192.168.0.0/16, ten_a@169.254.169.254/32:80');
  const verdict = (address: string, tenantId: string | null, port: number) => policy.judge(address, { tenantId, port });

  it('allows a private address only for the tenant and the port an entry covers', () => {
    expect(verdict('10.2.3.4', 'ten_a', 8000)).toMatchObject({ allowed: true, allowlisted: true });
    expect(verdict('10.2.3.4', 'ten_b', 8000)).toMatchObject({ allowed: false, refusal: { remedy: 'allowlist' } });
    expect(verdict('10.2.3.4', null, 8000)).toMatchObject({ allowed: false, refusal: { remedy: 'allowlist' } });
    expect(verdict('10.2.3.4', 'ten_a', 8001)).toMatchObject({ allowed: false, refusal: { remedy: 'allowlist_port', ports: [8000] } });
  });

  it('lets an entry without a tenant cover every tenant on its port, and one without a port every port', () => {
    expect(verdict('10.9.1.1', 'ten_zzz', 443)).toMatchObject({ allowed: true });
    expect(verdict('10.9.1.1', null, 443)).toMatchObject({ allowed: true });
    expect(verdict('10.9.1.1', 'ten_zzz', 80)).toMatchObject({ allowed: false, refusal: { remedy: 'allowlist_port', ports: [443] } });
    expect(verdict('10.1.2.3', 'ten_b', 1)).toMatchObject({ allowed: true });
    expect(verdict('10.1.2.3', 'ten_b', 65535)).toMatchObject({ allowed: true });
    expect(verdict('10.1.2.3', 'ten_a', 8000)).toMatchObject({ allowed: true });
    expect(verdict('10.1.2.3', 'ten_a', 9000)).toMatchObject({ allowed: false, refusal: { remedy: 'allowlist_port', ports: [8000] } });
    expect(verdict('192.168.7.7', 'ten_anyone', 12345)).toMatchObject({ allowed: true });
  });

  it('keeps a plain CIDR meaning every tenant and every port', () => {
    const plain = EgressPolicy.fromEnv('127.0.0.1/32');
    for (const scope of [anyone, { tenantId: null, port: 80 }, { tenantId: 'ten_a', port: 4010 }]) {
      expect(plain.judge('127.0.0.1', scope)).toMatchObject({ allowed: true, allowlisted: true });
    }
  });

  it('matches IPv6 entries, bracketed with a port', () => {
    expect(verdict('fd12::1', 'ten_anyone', 8000)).toMatchObject({ allowed: true });
    expect(verdict('fd12::1', 'ten_anyone', 443)).toMatchObject({ allowed: false, refusal: { remedy: 'allowlist_port', ports: [8000] } });
    expect(verdict('::ffff:10.2.3.4', 'ten_a', 8000)).toMatchObject({ allowed: true });
    expect(verdict('::ffff:10.2.3.4', 'ten_b', 8000)).toMatchObject({ allowed: false });
  });

  it('keeps the metadata rule: only an exact host entry, and only for its tenant and port', () => {
    expect(verdict('169.254.169.254', 'ten_a', 80)).toMatchObject({ allowed: true });
    expect(verdict('169.254.169.254', 'ten_b', 80)).toMatchObject({ allowed: false, refusal: { category: 'metadata', remedy: 'allowlist_host' } });
    expect(verdict('169.254.169.254', 'ten_a', 443)).toMatchObject({ allowed: false, refusal: { remedy: 'allowlist_host' } });
  });

  it('leaves public addresses allowed, but plain http only where an entry covers the tenant and port', () => {
    expect(verdict('8.8.8.8', 'ten_b', 80)).toMatchObject({ allowed: true, allowlisted: false });
    const lan = EgressPolicy.fromEnv('ten_a@203.0.113.0/24:80');
    expect(lan.admit(to('doc.example', 'http:', { tenantId: 'ten_a', port: 80 }), ['203.0.113.5'])).toMatchObject({ ok: true });
    expect(lan.admit(to('doc.example', 'http:', { tenantId: 'ten_b', port: 80 }), ['203.0.113.5'])).toMatchObject({ ok: false });
  });

  it('names the host, the port and the tenant, and never another tenant\'s entries', () => {
    const tenantRefused = policy.admit(to('vllm.lan', 'http:', { tenantId: 'ten_b', port: 8000 }), ['10.2.3.4']);
    expect(!tenantRefused.ok && describeRefusal(tenantRefused.error)).toBe(
      'endpoint vllm.lan:8000 resolves to a private address (10.2.3.4), which SWITCHBOARD_EGRESS_ALLOW does not allow for tenant ten_b ' +
        'on port 8000; an entry such as ten_b@10.2.3.4/32:8000 would allow it',
    );
    const portRefused = policy.admit(to('vllm.lan', 'http:', { tenantId: 'ten_a', port: 9000 }), ['10.2.3.4']);
    expect(!portRefused.ok && describeRefusal(portRefused.error)).toBe(
      'endpoint vllm.lan:9000 resolves to a private address (10.2.3.4), which SWITCHBOARD_EGRESS_ALLOW allows for tenant ten_a only on port 8000, not on port 9000',
    );
    const v6 = policy.admit(to('fd12::1', 'http:', { tenantId: null, port: 80 }), ['fd12::1']);
    expect(!v6.ok && describeRefusal(v6.error)).toMatch(/^endpoint \[fd12::1\]:80 resolves to a unique-local address \(fd12::1\), which .* only on port 8000, not on port 80$/);
    expect(!tenantRefused.ok && describeRefusal(tenantRefused.error)).not.toContain('ten_a');
  });

  it('gives tenants no entry names one connection scope, and every named tenant its own', () => {
    expect(policy.connectionScope('ten_a')).toBe('ten_a');
    expect(policy.connectionScope('ten_b')).toBe('ten_b');
    expect(policy.connectionScope('ten_c')).toBeNull();
    expect(policy.allowlist).toEqual([
      'ten_a@10.0.0.0/8:8000',
      '10.9.0.0/16:443',
      'ten_b@10.1.0.0/16',
      '[fd00::/8]:8000',
      '192.168.0.0/16',
      'ten_a@169.254.169.254/32:80',
    ]);
  });
});
