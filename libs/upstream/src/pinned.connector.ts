import { isIP } from 'node:net';
import type { buildConnector } from 'undici';
import { describeRefusal, type EgressPolicy } from './egress.policy.js';
import { errorCode, resolveHost, type ResolutionFailure, type Resolver } from './host.resolver.js';
import { EgressRefusedError, HostResolutionError } from './upstream.error.js';

export type SocketConnector = buildConnector.connector;
export type SocketTarget = buildConnector.Options;

export interface PinnedConnectorOptions {
  readonly policy: EgressPolicy;
  /**
   * The tenant every connection of this connector is admitted for (EgressPolicy.connectionScope): a pool
   * built on it must carry only that scope's calls, since its sockets are reused without another check.
   */
  readonly tenantId: string | null;
  readonly resolver: Resolver;
  readonly resolveTimeoutMs: number;
  /** Opens the TCP/TLS socket; only ever called with an address that passed the policy. */
  readonly openSocket: SocketConnector;
}

/** Bounds how long a dual-stack host with dead addresses can hold a new connection. */
const MAX_ADDRESSES_TRIED = 3;

/** Failures worth trying the next address for; TLS and policy failures would repeat. */
const TRY_NEXT = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * The connector undici calls for every new connection. It resolves the host again, checks every
 * address against the policy and opens the socket to one of exactly those addresses, so a DNS
 * answer that changed since the save-time check (rebinding) meets the same rules, and no second
 * lookup happens between check and connect. TLS still verifies the certificate against the
 * hostname, because the servername stays the hostname while the socket goes to the pinned IP.
 */
export function pinnedConnector(options: PinnedConnectorOptions): SocketConnector {
  return (target, callback) => {
    admitTarget(target, options).then(
      (admitted) => {
        if (admitted instanceof Error) callback(admitted, null);
        else openInOrder(admitted.slice(0, MAX_ADDRESSES_TRIED), 0, target, options.openSocket, callback);
      },
      (error: unknown) => callback(error instanceof Error ? error : new Error('connect failed'), null),
    );
  };
}

async function admitTarget(target: SocketTarget, options: PinnedConnectorOptions): Promise<readonly string[] | Error> {
  const resolved = await resolveHost(target.hostname, options.resolver, options.resolveTimeoutMs);
  if (!resolved.ok) return new HostResolutionError(describeFailure(resolved.error), resolved.error.kind === 'timeout');
  const port = Number(target.port) || (target.protocol === 'https:' ? 443 : 80);
  const admitted = options.policy.admit({ hostname: target.hostname, protocol: target.protocol, port, tenantId: options.tenantId }, resolved.value);
  if (!admitted.ok) return new EgressRefusedError(describeRefusal(admitted.error));
  return admitted.value.addresses;
}

function openInOrder(
  addresses: readonly string[],
  index: number,
  target: SocketTarget,
  openSocket: SocketConnector,
  callback: buildConnector.Callback,
): void {
  const address = addresses[index] ?? '';
  // SNI and certificate checks use the name; an IP-literal host sends no SNI (RFC 6066).
  const servername = isIP(target.hostname) === 0 ? target.hostname : undefined;
  try {
    openSocket({ ...target, hostname: address, servername }, (error, socket) => {
      if (error === null) {
        callback(null, socket);
        return;
      }
      const next = index + 1;
      if (next < addresses.length && TRY_NEXT.has(errorCode(error) ?? '')) openInOrder(addresses, next, target, openSocket, callback);
      else callback(error, null);
    });
  } catch (error) {
    callback(error instanceof Error ? error : new Error('connect failed'), null);
  }
}

function describeFailure(failure: ResolutionFailure): string {
  switch (failure.kind) {
    case 'not_found':
      return `host ${failure.hostname} does not resolve`;
    case 'timeout':
      return `resolving ${failure.hostname} timed out`;
    case 'failed':
      return `resolving ${failure.hostname} failed (${failure.code ?? 'unknown error'})`;
    default:
      return unreachable(failure.kind);
  }
}

function unreachable(value: never): never {
  throw new Error(`unexpected ${String(value)}`);
}
