import { cidr, cidrContains, type CidrRange } from './cidr.range.js';
import { ipv4At, type IpAddress } from './ip-address.parser.js';

/** Where an address points, from the point of view of "may the gateway send a tenant's request there". */
export type AddressCategory =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link_local'
  | 'cgnat'
  | 'metadata'
  | 'unique_local'
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'benchmarking'
  | 'documentation';

/** IPv6 forms whose packets end up at (or are named after) an IPv4 address. */
export type Ipv4Embedding = 'ipv4_mapped' | 'ipv4_compatible' | 'ipv4_translated' | 'nat64' | '6to4';

export interface AddressClass {
  readonly category: AddressCategory;
  /** Set when the category was decided by the IPv4 address embedded in an IPv6 one. */
  readonly embedded?: { readonly ipv4: IpAddress; readonly via: Ipv4Embedding };
}

type Table = readonly (readonly [CidrRange, AddressCategory])[];

const table = (rows: readonly (readonly [string, AddressCategory])[]): Table => rows.map(([text, category]) => [cidr(text), category] as const);

/** First match wins, so single hosts come before the ranges that contain them. Sources: IANA special-purpose registries. */
const IPV4: Table = table([
  ['255.255.255.255/32', 'broadcast'],
  ['0.0.0.0/32', 'unspecified'],
  // Instance metadata / platform endpoints: AWS, GCP, Azure, OCI (169.254.169.254), AWS ECS task
  // metadata, Alibaba Cloud, Azure WireServer (a public address that only answers inside Azure).
  ['169.254.169.254/32', 'metadata'],
  ['169.254.170.2/32', 'metadata'],
  ['100.100.100.200/32', 'metadata'],
  ['168.63.129.16/32', 'metadata'],
  ['0.0.0.0/8', 'reserved'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'cgnat'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link_local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'],
  ['192.0.2.0/24', 'documentation'],
  ['192.88.99.0/24', 'reserved'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
]);

/** Checked before the embedding forms: `::` and `::1` also sit inside `::/96`. */
const IPV6_HOSTS: Table = table([
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['fd00:ec2::254/128', 'metadata'],
]);

const IPV6: Table = table([
  // Local-use NAT64 prefixes choose their own length, so the embedded IPv4 cannot be located.
  ['64:ff9b:1::/48', 'reserved'],
  ['100::/64', 'reserved'],
  ['2001:2::/48', 'benchmarking'],
  ['2001:db8::/32', 'documentation'],
  // IETF protocol assignments, including Teredo (2001::/32), whose tunnelled IPv4 is obfuscated.
  ['2001::/23', 'reserved'],
  ['3fff::/20', 'documentation'],
  ['5f00::/16', 'reserved'],
  ['fc00::/7', 'unique_local'],
  ['fe80::/10', 'link_local'],
  ['fec0::/10', 'reserved'],
  ['ff00::/8', 'multicast'],
  ['2000::/3', 'public'],
]);

/** Prefix and byte offset of the IPv4 address inside each embedding form. */
const EMBEDDINGS: readonly (readonly [CidrRange, Ipv4Embedding, number])[] = [
  [cidr('::ffff:0:0/96'), 'ipv4_mapped', 12],
  [cidr('::ffff:0:0:0/96'), 'ipv4_translated', 12],
  [cidr('64:ff9b::/96'), 'nat64', 12],
  [cidr('2002::/16'), '6to4', 2],
  // Deprecated IPv4-compatible form; checked after :: and ::1, which share its prefix.
  [cidr('::/96'), 'ipv4_compatible', 12],
];

export function classifyAddress(ip: IpAddress): AddressClass {
  if (ip.family === 4) return { category: lookup(IPV4, ip) ?? 'public' };
  const exact = lookup(IPV6_HOSTS, ip);
  if (exact !== undefined) return { category: exact };
  for (const [range, via, offset] of EMBEDDINGS) {
    if (!cidrContains(range, ip)) continue;
    const ipv4 = ipv4At(ip, offset);
    return { category: lookup(IPV4, ipv4) ?? 'public', embedded: { ipv4, via } };
  }
  // Everything outside 2000::/3 is unassigned or special-use, so not a valid upstream.
  return { category: lookup(IPV6, ip) ?? 'reserved' };
}

function lookup(rows: Table, ip: IpAddress): AddressCategory | undefined {
  return rows.find(([range]) => cidrContains(range, ip))?.[1];
}
