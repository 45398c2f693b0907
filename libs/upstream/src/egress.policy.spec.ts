import type { AddressCategory } from './address.classifier.js';
import { EgressPolicy, describeRefusal } from './egress.policy.js';

const strict = EgressPolicy.fromEnv(undefined);

const categoryOf = (policy: EgressPolicy, address: string): AddressCategory | 'not_an_ip' | 'allowed' => {
  const verdict = policy.judge(address);
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
    expect(strict.judge(address)).toMatchObject({ allowed: true, category: 'public', allowlisted: false });
  });

  it('names the address and the remedy', () => {
    const refused = strict.admit('llm.internal', ['10.1.2.3'], 'https:');
    expect(!refused.ok && describeRefusal(refused.error)).toBe(
      'endpoint resolves to a private address (10.1.2.3); allow it with SWITCHBOARD_EGRESS_ALLOW',
    );
    const mapped = strict.admit('x', ['::ffff:7f00:1'], 'https:');
    expect(!mapped.ok && describeRefusal(mapped.error)).toBe(
      'endpoint resolves to a loopback address (::ffff:127.0.0.1, which is 127.0.0.1); allow it with SWITCHBOARD_EGRESS_ALLOW',
    );
    const metadata = strict.admit('x', ['169.254.169.254'], 'https:');
    expect(!metadata.ok && describeRefusal(metadata.error)).toBe(
      'endpoint resolves to a cloud metadata address (169.254.169.254); allow it with SWITCHBOARD_EGRESS_ALLOW=169.254.169.254/32',
    );
  });

  it('refuses a host if any one of its addresses is refused', () => {
    const admitted = strict.admit('mixed.example', ['8.8.8.8', '2606:4700::1', '192.168.0.10'], 'https:');
    expect(admitted).toMatchObject({ ok: false, error: { reason: 'address', refusal: { address: '192.168.0.10', category: 'private' } } });
  });

  it('admits public addresses over https only, in canonical form and resolver order', () => {
    expect(strict.admit('api.example', ['8.8.8.8', '2606:4700:0:0::1'], 'https:')).toEqual({
      ok: true,
      value: { addresses: ['8.8.8.8', '2606:4700::1'], allowlisted: false },
    });
    expect(strict.admit('api.example', ['8.8.8.8'], 'http:')).toEqual({
      ok: false,
      error: { reason: 'plain_http', hostname: 'api.example', address: '8.8.8.8' },
    });
    expect(strict.admit('api.example', [], 'https:')).toMatchObject({ ok: false, error: { reason: 'no_address' } });
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
      expect(policy.judge(address)).toMatchObject({ allowed: true, allowlisted: true });
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
    expect(exact.judge('169.254.169.254')).toMatchObject({ allowed: true, allowlisted: true });
    expect(exact.judge('::ffff:169.254.169.254')).toMatchObject({ allowed: true });
    expect(exact.judge('fd00:ec2::254')).toMatchObject({ allowed: true });
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
    expect(policy.admit('vllm.lan', ['10.0.0.5', '127.0.0.1'], 'http:')).toEqual({
      ok: true,
      value: { addresses: ['10.0.0.5', '127.0.0.1'], allowlisted: true },
    });
    expect(policy.admit('vllm.lan', ['10.0.0.5', '8.8.8.8'], 'http:')).toMatchObject({ ok: false, error: { reason: 'plain_http', address: '8.8.8.8' } });
    expect(policy.admit('vllm.lan', ['10.0.0.5', '8.8.8.8'], 'https:')).toMatchObject({ ok: true, value: { allowlisted: false } });
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
