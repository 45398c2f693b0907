/**
 * Strict textual IP addresses as resolvers and the WHATWG URL parser emit them. Lenient forms
 * (`2130706433`, `0x7f.1`, `127.1`) are not accepted here on purpose: they are normalised by the
 * URL parser before anything reaches this module, and the allowlist must not guess what an
 * operator meant by `010.0.0.0`.
 */
export interface IpAddress {
  readonly family: 4 | 6;
  /** 4 bytes for IPv4, 16 for IPv6, network order. */
  readonly bytes: Uint8Array;
}

export function parseIp(text: string): IpAddress | undefined {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}

export function parseIpv4(text: string): IpAddress | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (const [index, part] of parts.entries()) {
    const value = decimalOctet(part);
    if (value === undefined) return undefined;
    bytes[index] = value;
  }
  return { family: 4, bytes };
}

/** Accepts RFC 4291 text: `::` compression, a dotted IPv4 tail, and (ignored) a `%zone` suffix. */
export function parseIpv6(text: string): IpAddress | undefined {
  const unzoned = stripZone(text);
  const halves = unzoned.split('::');
  if (halves.length > 2) return undefined;
  const head = groupsOf(halves[0] ?? '', halves.length === 1);
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? '', true) : [];
  if (head === undefined || tail === undefined) return undefined;
  const count = head.length + tail.length;
  if (halves.length === 1 ? count !== 8 : count > 7) return undefined;
  const groups = [...head, ...new Array<number>(8 - count).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  groups.forEach((group, index) => {
    bytes[index * 2] = group >> 8;
    bytes[index * 2 + 1] = group & 0xff;
  });
  return { family: 6, bytes };
}

export function stripZone(text: string): string {
  const zone = text.indexOf('%');
  return zone === -1 ? text : text.slice(0, zone);
}

/** RFC 5952 text; IPv4-mapped addresses keep their dotted tail so messages stay readable. */
export function formatIp(ip: IpAddress): string {
  if (ip.family === 4) return Array.from(ip.bytes).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => ((ip.bytes[i * 2] ?? 0) << 8) | (ip.bytes[i * 2 + 1] ?? 0));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${Array.from(ip.bytes.subarray(12)).join('.')}`;
  }
  const [start, length] = longestZeroRun(groups);
  const hex = groups.map((g) => g.toString(16));
  if (length < 2) return hex.join(':');
  return `${hex.slice(0, start).join(':')}::${hex.slice(start + length).join(':')}`;
}

/** The IPv4 address held in four bytes of an IPv6 address. */
export function ipv4At(ip: IpAddress, offset: number): IpAddress {
  return { family: 4, bytes: ip.bytes.slice(offset, offset + 4) };
}

function decimalOctet(part: string): number | undefined {
  if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
  const value = Number(part);
  return value <= 255 ? value : undefined;
}

/** Groups of one side of `::`; only the last group of the address may be a dotted IPv4 tail. */
function groupsOf(side: string, mayEndWithIpv4: boolean): number[] | undefined {
  if (side === '') return [];
  const parts = side.split(':');
  const groups: number[] = [];
  for (const [index, part] of parts.entries()) {
    if (index === parts.length - 1 && mayEndWithIpv4 && part.includes('.')) {
      const ipv4 = parseIpv4(part);
      if (ipv4 === undefined) return undefined;
      groups.push(((ipv4.bytes[0] ?? 0) << 8) | (ipv4.bytes[1] ?? 0), ((ipv4.bytes[2] ?? 0) << 8) | (ipv4.bytes[3] ?? 0));
      continue;
    }
    if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return undefined;
    groups.push(parseInt(part, 16));
  }
  return groups;
}

function longestZeroRun(groups: readonly number[]): [number, number] {
  let best: [number, number] = [0, 0];
  let start = -1;
  groups.forEach((group, index) => {
    if (group === 0 && start === -1) start = index;
    if (group === 0 && index - start + 1 > best[1]) best = [start, index - start + 1];
    if (group !== 0) start = -1;
  });
  return best;
}
