import { appError, fail, ok, type AppError, type Result } from '@switchboard/contracts';
import { classifyAddress, type AddressCategory } from './address.classifier.js';
import { cidrContains, isSingleHost } from './cidr.range.js';
import { formatAllowEntry, parseAllowEntry, type AllowEntry } from './egress-allow.entry.js';
import { formatIp, parseIp, stripZone } from './ip-address.parser.js';

export const EGRESS_ALLOW_ENV = 'SWITCHBOARD_EGRESS_ALLOW';

/** Who is calling and which port: what an entry narrowed by tenant or port is matched against. */
export interface EgressScope {
  /** null: a tenant no entry names (tenants no entry names are decided alike; see connectionScope). */
  readonly tenantId: string | null;
  /** The port the URL resolves to (its default, 443 or 80, when it names none). */
  readonly port: number;
}

export interface EgressDestination extends EgressScope {
  readonly hostname: string;
  readonly protocol: string;
}

export interface AddressRefusal {
  readonly address: string;
  readonly category: AddressCategory | 'not_an_ip';
  /** The IPv4 address that decided the category of an IPv4-in-IPv6 form. */
  readonly embeddedIpv4?: string;
  /**
   * What an operator can do: add an entry covering the address for this tenant and port, add one on this
   * port (entries cover it for the tenant, but only on `ports`), add one naming exactly this host, or nothing.
   */
  readonly remedy: 'allowlist' | 'allowlist_port' | 'allowlist_host' | 'none';
  /** For `allowlist_port`: the ports this tenant's entries covering the address allow. */
  readonly ports?: readonly number[];
}

export type AddressVerdict =
  | { readonly allowed: true; readonly address: string; readonly category: AddressCategory; readonly allowlisted: boolean }
  | { readonly allowed: false; readonly refusal: AddressRefusal };

type Where = Pick<EgressDestination, 'hostname' | 'port' | 'tenantId'>;

export type EgressRefusal =
  | (Where & { readonly reason: 'address'; readonly refusal: AddressRefusal })
  | (Where & { readonly reason: 'plain_http'; readonly address: string })
  | (Where & { readonly reason: 'no_address' });

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
 * Which addresses upstream requests may reach. Public addresses always; everything else only when an
 * entry of SWITCHBOARD_EGRESS_ALLOW covers the address, the calling tenant and the port (an entry
 * without a tenant covers every tenant, one without a port every port). Cloud metadata endpoints need
 * an entry naming exactly that host, so a broad `169.254.0.0/16` or `0.0.0.0/0` cannot expose instance
 * credentials.
 */
export class EgressPolicy {
  private readonly namedTenants: ReadonlySet<string>;

  private constructor(private readonly entries: readonly AllowEntry[]) {
    this.namedTenants = new Set(entries.flatMap((entry) => (entry.tenantId === undefined ? [] : [entry.tenantId])));
  }

  /** Comma-separated entries (see AllowEntry); blanks are ignored, any bad entry refuses the whole value. */
  static parse(value: string | undefined): Result<EgressPolicy, AppError> {
    const texts = (value ?? '').split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
    const entries: AllowEntry[] = [];
    for (const entry of texts) {
      const parsed = parseAllowEntry(entry);
      if (!parsed.ok) return fail(appError('validation_failed', `${EGRESS_ALLOW_ENV}: ${parsed.error}`, { entry }));
      entries.push(parsed.value);
    }
    return ok(new EgressPolicy(entries));
  }

  /** For process start: a misconfigured allowlist stops the service with a readable reason. */
  static fromEnv(value: string | undefined): EgressPolicy {
    const parsed = EgressPolicy.parse(value);
    if (!parsed.ok) throw new Error(parsed.error.message);
    return parsed.value;
  }

  get allowlist(): readonly string[] {
    return this.entries.map(formatAllowEntry);
  }

  /**
   * The tenant whose decisions a connection carries: the tenant itself when an entry names it, else null,
   * since every tenant no entry names is decided alike. Connections may be shared within a scope, never across.
   */
  connectionScope(tenantId: string): string | null {
    return this.namedTenants.has(tenantId) ? tenantId : null;
  }

  judge(addressText: string, scope: EgressScope): AddressVerdict {
    const ip = parseIp(stripZone(addressText));
    if (ip === undefined) return { allowed: false, refusal: { address: addressText, category: 'not_an_ip', remedy: 'none' } };
    const address = formatIp(ip);
    const { category, embedded } = classifyAddress(ip);
    // A mapped address is the same socket destination as its IPv4 address, so either spelling may be listed.
    const candidates = embedded?.via === 'ipv4_mapped' ? [ip, embedded.ipv4] : [ip];
    const forTenant = this.entries.filter(
      (entry) => (entry.tenantId === undefined || entry.tenantId === scope.tenantId) && candidates.some((candidate) => cidrContains(entry.range, candidate)),
    );
    const covering = forTenant.filter((entry) => entry.port === undefined || entry.port === scope.port);
    const allowlisted = covering.length > 0;
    const refuse = (remedy: AddressRefusal['remedy'], ports?: readonly number[]): AddressVerdict => ({
      allowed: false,
      refusal: {
        address,
        category,
        remedy,
        ...(embedded === undefined ? {} : { embeddedIpv4: formatIp(embedded.ipv4) }),
        ...(ports === undefined ? {} : { ports }),
      },
    });
    if (NEVER.has(category)) return refuse('none');
    if (category === 'metadata') {
      return covering.some((entry) => isSingleHost(entry.range)) ? { allowed: true, address, category, allowlisted } : refuse('allowlist_host');
    }
    if (category !== 'public' && !allowlisted) {
      // Only this tenant's own entries are described: another tenant's entries are none of its business.
      const ports = [...new Set(forTenant.flatMap((entry) => (entry.port === undefined ? [] : [entry.port])))].sort((a, b) => a - b);
      return ports.length > 0 ? refuse('allowlist_port', ports) : refuse('allowlist');
    }
    return { allowed: true, address, category, allowlisted };
  }

  /**
   * Every address must pass, not just one: the socket may use any of them, and an attacker who
   * controls DNS would put the private record next to a public one. Plain http is allowed only
   * when every address is allowlisted for this tenant and port (a local mock, a vLLM on the private network).
   */
  admit(destination: EgressDestination, addresses: readonly string[]): Result<Admitted, EgressRefusal> {
    const { hostname, port, tenantId, protocol } = destination;
    const where: Where = { hostname, port, tenantId };
    if (addresses.length === 0) return fail({ reason: 'no_address', ...where });
    const admitted: string[] = [];
    let notAllowlisted: string | undefined;
    for (const address of addresses) {
      const verdict = this.judge(address, destination);
      if (!verdict.allowed) return fail({ reason: 'address', ...where, refusal: verdict.refusal });
      admitted.push(verdict.address);
      if (!verdict.allowlisted) notAllowlisted ??= verdict.address;
    }
    if (protocol !== 'https:' && notAllowlisted !== undefined) return fail({ reason: 'plain_http', ...where, address: notAllowlisted });
    return ok({ addresses: admitted, allowlisted: notAllowlisted === undefined });
  }
}

/** Names the host, the port and the tenant the decision was made for, never another tenant's entries. */
export function describeRefusal(refusal: EgressRefusal): string {
  const who = refusal.tenantId === null ? 'this tenant' : `tenant ${refusal.tenantId}`;
  switch (refusal.reason) {
    case 'no_address':
      return `endpoint host ${refusal.hostname} has no A or AAAA records`;
    case 'plain_http':
      return (
        `endpoint must use https; plain http is allowed only for addresses ${EGRESS_ALLOW_ENV} allows for ${who} on port ${refusal.port} ` +
        `(${refusal.hostname} resolves to ${refusal.address})`
      );
    case 'address':
      return describeAddressRefusal(refusal, who);
    default:
      return unreachable(refusal);
  }
}

function describeAddressRefusal({ refusal, hostname, port, tenantId }: Extract<EgressRefusal, { reason: 'address' }>, who: string): string {
  const shown = refusal.embeddedIpv4 === undefined ? refusal.address : `${refusal.address}, which is ${refusal.embeddedIpv4}`;
  const what = `endpoint ${hostname.includes(':') && !hostname.startsWith('[') ? `[${hostname}]` : hostname}:${port} resolves to ${LABELS[refusal.category]} (${shown})`;
  const ip = parseIp(refusal.address);
  const exactly = (): string =>
    ip === undefined ? '' : formatAllowEntry({ range: { network: ip, prefix: ip.bytes.length * 8 }, port, ...(tenantId === null ? {} : { tenantId }) });
  switch (refusal.remedy) {
    case 'allowlist':
      return `${what}, which ${EGRESS_ALLOW_ENV} does not allow for ${who} on port ${port}; an entry such as ${exactly()} would allow it`;
    case 'allowlist_port':
      return `${what}, which ${EGRESS_ALLOW_ENV} allows for ${who} only on port ${(refusal.ports ?? []).join(', ')}, not on port ${port}`;
    case 'allowlist_host':
      return `${what}; only an entry naming exactly that host allows it, such as ${EGRESS_ALLOW_ENV}=${exactly()}`;
    case 'none':
      return `${what}, which can never be an upstream`;
    default:
      return unreachable(refusal.remedy);
  }
}

function unreachable(value: never): never {
  throw new Error(`unexpected ${JSON.stringify(value)}`);
}
