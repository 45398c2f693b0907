import { lookup } from 'node:dns/promises';
import { fail, ok, type Result } from '@switchboard/contracts';
import { parseIp, stripZone } from './ip-address.parser.js';

/** The shape of `dns.promises.lookup(name, { all: true })`, so tests can inject answers. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: number;
}

export type Resolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** The OS resolver (getaddrinfo): every A and AAAA record, in the order the system prefers. */
export const systemResolver: Resolver = (hostname) => lookup(hostname, { all: true });

export interface ResolutionFailure {
  readonly kind: 'not_found' | 'timeout' | 'failed';
  readonly hostname: string;
  readonly code?: string;
}

const NOT_FOUND = new Set(['ENOTFOUND', 'ENODATA', 'EAI_NONAME', 'EAI_NODATA']);

/** Literal addresses (as a URL parser leaves them, IPv6 with or without brackets) never go to DNS. */
export async function resolveHost(hostname: string, resolver: Resolver, timeoutMs?: number): Promise<Result<readonly string[], ResolutionFailure>> {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  if (parseIp(bare) !== undefined) return ok([bare]);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    if (timeoutMs !== undefined) timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const answer = await Promise.race([resolver(bare), deadline]);
    if (answer === 'timeout') return fail({ kind: 'timeout', hostname: bare });
    return ok(answer.map((record) => stripZone(record.address)));
  } catch (error) {
    const code = errorCode(error);
    const kind = code !== undefined && NOT_FOUND.has(code) ? 'not_found' : 'failed';
    return fail(code === undefined ? { kind, hostname: bare } : { kind, hostname: bare, code });
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}
