import { fail, ok, type Result } from '@switchboard/contracts';
import { formatIp, parseIp, type IpAddress } from './ip-address.parser.js';

export interface CidrRange {
  readonly network: IpAddress;
  readonly prefix: number;
}

/**
 * `10.0.0.0/8`, `fd00::/8`, or a bare address meaning that single host. Host bits must be zero:
 * `10.1.2.3/8` is refused rather than silently widened, since it usually hides a typo.
 */
export function parseCidr(text: string): Result<CidrRange, string> {
  const [addressText = '', prefixText, extra] = text.trim().split('/');
  if (extra !== undefined) return fail(`"${text}" is not a CIDR`);
  const network = parseIp(addressText);
  if (network === undefined || addressText.includes('%')) return fail(`"${text}" is not a CIDR (bad address "${addressText}")`);
  const maxPrefix = network.bytes.length * 8;
  if (prefixText === undefined) return ok({ network, prefix: maxPrefix });
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > maxPrefix) {
    return fail(`"${text}" is not a CIDR (prefix must be 0-${maxPrefix} for IPv${network.family})`);
  }
  const range: CidrRange = { network, prefix: Number(prefixText) };
  const masked = maskTo(network, range.prefix);
  if (!sameBytes(masked.bytes, network.bytes)) {
    return fail(`"${text}" has host bits set; did you mean ${formatCidr({ network: masked, prefix: range.prefix })}?`);
  }
  return ok(range);
}

/** For constant tables in this library: a typo there is a programming error. */
export function cidr(text: string): CidrRange {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

export function cidrContains(range: CidrRange, ip: IpAddress): boolean {
  if (range.network.family !== ip.family) return false;
  return sameBytes(maskTo(ip, range.prefix).bytes, range.network.bytes);
}

export function isSingleHost(range: CidrRange): boolean {
  return range.prefix === range.network.bytes.length * 8;
}

export function formatCidr(range: CidrRange): string {
  return `${formatIp(range.network)}/${range.prefix}`;
}

function maskTo(ip: IpAddress, prefix: number): IpAddress {
  const bytes = ip.bytes.map((byte, index) => {
    const bits = Math.min(8, Math.max(0, prefix - index * 8));
    return byte & ((0xff << (8 - bits)) & 0xff);
  });
  return { family: ip.family, bytes };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}
