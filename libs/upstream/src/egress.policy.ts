import { appError, fail, ok, type AppError, type Result } from '@switchboard/contracts';
import { classifyAddress, type AddressCategory } from './address.classifier.js';
import { cidrContains, formatCidr, isSingleHost, parseCidr, type CidrRange } from './cidr.range.js';
import { formatIp, parseIp, stripZone } from './ip-address.parser.js';

export const EGRESS_ALLOW_ENV = 'SWITCHBOARD_EGRESS_ALLOW';

export interface AddressRefusal {
  readonly address: string;
  readonly category: AddressCategory | 'not_an_ip';
  /** The IPv4 address that decided the category of an IPv4-in-IPv6 form. */
  readonly embeddedIpv4?: string;
  /** What an operator can do: allow any covering CIDR, allow exactly this host, or nothing. */
  readonly remedy: 'allowlist' | 'allowlist_host' | 'none';
}

export type AddressVerdict =
  | { readonly allowed: true; readonly address: string; readonly category: AddressCategory; readonly allowlisted: boolean }
  | { readonly allowed: false; readonly refusal: AddressRefusal };

export type EgressRefusal =
  | { readonly reason: 'address'; readonly hostname: string; readonly refusal: AddressRefusal }
  | { readonly reason: 'plain_http'; readonly hostname: string; readonly address: string }
  | { readonly reason: 'no_address'; readonly hostname: string };

export interface Admitted {
  /** Canonical text of every address, in resolver order; these are the only ones a socket may use. */
  readonly addresses: readonly string[];
  readonly allowlisted: boolean;
}

/** Not valid unicast destinations; an allowlist entry cannot make them one. */
const NEVER: ReadonlySet<AddressCategory> = new Set(['unspecified', 'multicast', 'broadcast']);

const LABELS: Readonly<Record<AddressCategory | 'not_an_ip', string>> = {
  public: 'a public address',
  loopback: 'a loopback address',
  private: 'a private address',
  link_local: 'a link-local address',
  cgnat: 'a carrier-grade NAT address',
  metadata: 'a cloud metadata address',
  unique_local: 'a unique-local address',
  unspecified: 'an unspecified address',
  multicast: 'a multicast address',
  broadcast: 'a broadcast address',
  reserved: 'a reserved address',
  benchmarking: 'a benchmarking address',
  documentation: 'a documentation address',
  not_an_ip: 'something that is not an IP address',
};

/**
 * Which addresses upstream requests may reach. Public addresses always; everything else only when
 * the operator lists it in SWITCHBOARD_EGRESS_ALLOW. Cloud metadata endpoints need an entry naming
 * exactly that host, so a broad `169.254.0.0/16` or `0.0.0.0/0` cannot expose instance credentials.
 */
export class EgressPolicy {
  private constructor(private readonly ranges: readonly CidrRange[]) {}

  /** Comma-separated CIDRs (IPv4 and IPv6); blanks are ignored, any bad entry refuses the whole value. */
  static parse(value: string | undefined): Result<EgressPolicy, AppError> {
    const entries = (value ?? '').split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
    const ranges: CidrRange[] = [];
    for (const entry of entries) {
      const parsed = parseCidr(entry);
      if (!parsed.ok) return fail(appError('validation_failed', `${EGRESS_ALLOW_ENV}: ${parsed.error}`, { entry }));
      ranges.push(parsed.value);
    }
    return ok(new EgressPolicy(ranges));
  }

  /** For process start: a misconfigured allowlist stops the service with a readable reason. */
  static fromEnv(value: string | undefined): EgressPolicy {
    const parsed = EgressPolicy.parse(value);
    if (!parsed.ok) throw new Error(parsed.error.message);
    return parsed.value;
  }

  get allowlist(): readonly string[] {
    return this.ranges.map(formatCidr);
  }

  judge(addressText: string): AddressVerdict {
    const ip = parseIp(stripZone(addressText));
    if (ip === undefined) return { allowed: false, refusal: { address: addressText, category: 'not_an_ip', remedy: 'none' } };
    const address = formatIp(ip);
    const { category, embedded } = classifyAddress(ip);
    // A mapped address is the same socket destination as its IPv4 address, so either spelling may be listed.
    const candidates = embedded?.via === 'ipv4_mapped' ? [ip, embedded.ipv4] : [ip];
    const covering = this.ranges.filter((range) => candidates.some((candidate) => cidrContains(range, candidate)));
    const allowlisted = covering.length > 0;
    const refuse = (remedy: AddressRefusal['remedy']): AddressVerdict => ({
      allowed: false,
      refusal: { address, category, remedy, ...(embedded === undefined ? {} : { embeddedIpv4: formatIp(embedded.ipv4) }) },
    });
    if (NEVER.has(category)) return refuse('none');
    if (category === 'metadata') return covering.some(isSingleHost) ? { allowed: true, address, category, allowlisted } : refuse('allowlist_host');
    if (category !== 'public' && !allowlisted) return refuse('allowlist');
    return { allowed: true, address, category, allowlisted };
  }

  /**
   * Every address must pass, not just one: the socket may use any of them, and an attacker who
   * controls DNS would put the private record next to a public one. Plain http is allowed only
   * when every address is allowlisted (a local mock, a vLLM on the private network).
   */
  admit(hostname: string, addresses: readonly string[], protocol: string): Result<Admitted, EgressRefusal> {
    if (addresses.length === 0) return fail({ reason: 'no_address', hostname });
    const admitted: string[] = [];
    let notAllowlisted: string | undefined;
    for (const address of addresses) {
      const verdict = this.judge(address);
      if (!verdict.allowed) return fail({ reason: 'address', hostname, refusal: verdict.refusal });
      admitted.push(verdict.address);
      if (!verdict.allowlisted) notAllowlisted ??= verdict.address;
    }
    if (protocol !== 'https:' && notAllowlisted !== undefined) return fail({ reason: 'plain_http', hostname, address: notAllowlisted });
    return ok({ addresses: admitted, allowlisted: notAllowlisted === undefined });
  }
}

export function describeRefusal(refusal: EgressRefusal): string {
  switch (refusal.reason) {
    case 'no_address':
      return `endpoint host ${refusal.hostname} has no A or AAAA records`;
    case 'plain_http':
      return `endpoint must use https; plain http is allowed only for addresses in ${EGRESS_ALLOW_ENV} (${refusal.hostname} resolves to ${refusal.address})`;
    case 'address':
      return describeAddressRefusal(refusal.refusal);
    default:
      return unreachable(refusal);
  }
}

export function describeAddressRefusal(refusal: AddressRefusal): string {
  const shown = refusal.embeddedIpv4 === undefined ? refusal.address : `${refusal.address}, which is ${refusal.embeddedIpv4}`;
  const what = `endpoint resolves to ${LABELS[refusal.category]} (${shown})`;
  switch (refusal.remedy) {
    case 'allowlist':
      return `${what}; allow it with ${EGRESS_ALLOW_ENV}`;
    case 'allowlist_host':
      return `${what}; allow it with ${EGRESS_ALLOW_ENV}=${refusal.address}/${refusal.address.includes(':') ? 128 : 32}`;
    case 'none':
      return `${what}, which can never be an upstream`;
    default:
      return unreachable(refusal.remedy);
  }
}

function unreachable(value: never): never {
  throw new Error(`unexpected ${JSON.stringify(value)}`);
}
