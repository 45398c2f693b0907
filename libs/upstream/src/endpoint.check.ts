import { appError, fail, ok, type AppError, type Result } from '@switchboard/contracts';
import { describeRefusal, type EgressPolicy } from './egress.policy.js';
import { resolveHost, systemResolver, type ResolutionFailure, type Resolver } from './host.resolver.js';

export interface CheckedEndpoint {
  /** The URL as the WHATWG parser normalised it (numeric hosts in dotted/canonical form). */
  readonly url: string;
  readonly origin: string;
  readonly protocol: 'http:' | 'https:';
  /** Without IPv6 brackets. */
  readonly hostname: string;
  readonly port: number;
  /** What the host resolved to when checked; connections re-resolve and re-check (see pinned.connector). */
  readonly addresses: readonly string[];
  readonly allowlisted: boolean;
}

export interface ParsedTarget {
  readonly url: URL;
  readonly protocol: 'http:' | 'https:';
  readonly hostname: string;
  readonly port: number;
}

const DNS_TIMEOUT_MS = 5_000;

/**
 * Save-time check of a provider endpoint for the tenant saving it. The URL parser normalises numeric
 * hosts the way the OS would (`2130706433`, `0x7f.1`, `017700000001`, `127.1` all become 127.0.0.1),
 * then every address the host resolves to must be allowed for this tenant on the URL's port. Passing
 * here is not a licence: the connection is checked again when it is opened, because DNS can change
 * in between. Request paths are appended to an endpoint, so it may carry no query: `?` would turn
 * every appended path into a query string and leave the endpoint's own path as the one requested.
 */
export async function checkEndpoint(
  url: string,
  policy: EgressPolicy,
  tenantId: string,
  resolver: Resolver = systemResolver,
): Promise<Result<CheckedEndpoint, AppError>> {
  const target = parseTarget(url);
  if (!target.ok) return target;
  if (url.includes('?')) return fail(appError('validation_failed', 'endpoint must not contain a query (?...); request paths are appended to it'));
  const { hostname, protocol, port } = target.value;
  const resolved = await resolveHost(hostname, resolver, DNS_TIMEOUT_MS);
  if (!resolved.ok) return fail(resolutionError(resolved.error));
  const admitted = policy.admit({ hostname, protocol, port, tenantId }, resolved.value);
  if (!admitted.ok) {
    const details = admitted.error.reason === 'address' ? { ...admitted.error.refusal, hostname, port } : { hostname, port };
    return fail(appError('validation_failed', describeRefusal(admitted.error), details));
  }
  const parsed = target.value.url;
  return ok({ url: parsed.href, origin: parsed.origin, protocol, hostname, port, ...admitted.value });
}

/** What a request needs of its URL: where to connect and what to ask for. */
export interface RequestTarget {
  readonly origin: string;
  /** Path and query, as sent in the request line. */
  readonly path: string;
}

/** Distinct upstream URLs are few (a provider's endpoint and a protocol path each); past this many the memo starts over. */
const MAX_REMEMBERED_TARGETS = 4_096;
const requestTargets = new Map<string, RequestTarget>();

/**
 * parseTarget for a request, remembered per URL: a proxied call would otherwise parse the same URL with the WHATWG
 * parser on every call. A URL the rules refuse is not remembered (it fails again, with its reason, each time).
 */
export function requestTargetOf(url: string): Result<RequestTarget, AppError> {
  const known = requestTargets.get(url);
  if (known !== undefined) return ok(known);
  const parsed = parseTarget(url);
  if (!parsed.ok) return parsed;
  const target: RequestTarget = { origin: parsed.value.url.origin, path: `${parsed.value.url.pathname}${parsed.value.url.search}` };
  if (requestTargets.size >= MAX_REMEMBERED_TARGETS) requestTargets.clear();
  requestTargets.set(url, target);
  return ok(target);
}

/** URL rules shared by the save-time check and every request: http(s), no credentials, no fragment. */
export function parseTarget(url: string): Result<ParsedTarget, AppError> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return fail(appError('validation_failed', 'endpoint is not a valid absolute URL'));
  }
  const protocol = parsed.protocol;
  if (protocol !== 'http:' && protocol !== 'https:') {
    return fail(appError('validation_failed', `endpoint must use http or https, not ${protocol.slice(0, -1)}`));
  }
  // The URL is stored and shown; a key belongs in the provider's secret, never in userinfo.
  if (parsed.username !== '' || parsed.password !== '') {
    return fail(appError('validation_failed', 'endpoint must not contain credentials; store the API key as the provider secret'));
  }
  if (url.includes('#')) return fail(appError('validation_failed', 'endpoint must not contain a fragment (#...)'));
  const hostname = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  if (hostname === '') return fail(appError('validation_failed', 'endpoint has no host'));
  const port = parsed.port === '' ? (protocol === 'https:' ? 443 : 80) : Number(parsed.port);
  if (port === 0) return fail(appError('validation_failed', 'endpoint port 0 is not a valid port'));
  return ok({ url: parsed, protocol, hostname, port });
}

function resolutionError(failure: ResolutionFailure): AppError {
  switch (failure.kind) {
    case 'not_found':
      return appError('validation_failed', `endpoint host ${failure.hostname} does not resolve`, { hostname: failure.hostname });
    case 'timeout':
      return appError('unavailable', `resolving endpoint host ${failure.hostname} timed out; try again`, { hostname: failure.hostname });
    case 'failed':
      return appError('unavailable', `resolving endpoint host ${failure.hostname} failed (${failure.code ?? 'unknown error'}); try again`, {
        hostname: failure.hostname,
      });
    default:
      return unreachable(failure.kind);
  }
}

function unreachable(value: never): never {
  throw new Error(`unexpected ${String(value)}`);
}
