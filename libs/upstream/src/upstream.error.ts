import { errorCode } from './host.resolver.js';

export type UpstreamErrorKind =
  | 'refused_address'
  | 'connect_failed'
  | 'timeout'
  | 'redirect'
  | 'tls'
  | 'aborted'
  | 'too_large'
  /** The request could not be built (bad URL, a header undici refuses). */
  | 'invalid_request'
  /** The upstream answered something that is not HTTP, or not the JSON that was asked for. */
  | 'bad_response'
  /** The connection broke after it was established (reset, closed mid-response). */
  | 'connection_lost';

/**
 * Messages name the upstream origin and the failure, never a path, query or header: request
 * headers carry provider keys, and some providers take the key in the query string.
 */
export interface UpstreamError {
  readonly kind: UpstreamErrorKind;
  readonly message: string;
  /** The upstream's status for `redirect`. */
  readonly status?: number;
}

/** Raised by the connector so undici fails the queued requests without opening a socket. */
export class EgressRefusedError extends Error {
  readonly code = 'SWITCHBOARD_EGRESS_REFUSED';
  override readonly name = 'EgressRefusedError';
}

export class HostResolutionError extends Error {
  override readonly name = 'HostResolutionError';
  constructor(
    message: string,
    readonly timedOut: boolean,
  ) {
    super(message);
  }
}

const TLS_CODES = new Set([
  'EPROTO',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'HOSTNAME_MISMATCH',
]);

const CONNECT_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL', 'ETIMEDOUT']);

export const upstreamError = (kind: UpstreamErrorKind, message: string, status?: number): UpstreamError =>
  status === undefined ? { kind, message } : { kind, message, status };

/**
 * Maps whatever undici, node:net or node:tls threw (while requesting or while streaming the body)
 * to an UpstreamError. Foreign messages are not copied (they may quote a host or path), except
 * undici's argument errors, which name only the header or option at fault.
 */
export function toUpstreamError(error: unknown, origin: string, signal?: AbortSignal): UpstreamError {
  if (signal?.aborted === true) return upstreamError('aborted', `request to ${origin} was aborted`);
  if (error instanceof EgressRefusedError) return upstreamError('refused_address', `upstream ${origin} refused: ${error.message}`);
  if (error instanceof HostResolutionError) {
    return upstreamError(error.timedOut ? 'timeout' : 'connect_failed', `upstream ${origin}: ${error.message}`);
  }
  const code = errorCode(error) ?? '';
  const name = error instanceof Error ? error.name : '';
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return upstreamError('timeout', `connecting to ${origin} timed out`);
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return upstreamError('timeout', `${origin} did not send response headers in time`);
  if (code === 'UND_ERR_BODY_TIMEOUT') return upstreamError('timeout', `${origin} stopped sending the response body`);
  if (code === 'UND_ERR_ABORTED' || code === 'ABORT_ERR' || name === 'AbortError') {
    return upstreamError('aborted', `request to ${origin} was aborted`);
  }
  if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') return upstreamError('too_large', `response from ${origin} is too large`);
  if (TLS_CODES.has(code) || /^ERR_(TLS|SSL)_|^ERR_OSSL_|^CERT_/.test(code)) {
    return upstreamError('tls', `TLS with ${origin} failed (${code})`);
  }
  if (CONNECT_CODES.has(code)) return upstreamError('connect_failed', `could not connect to ${origin} (${code})`);
  if (code.startsWith('HPE_')) return upstreamError('bad_response', `${origin} sent a malformed HTTP response (${code})`);
  // undici's argument errors name the offending header or option, never its value.
  if (code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_NOT_SUPPORTED') {
    return upstreamError('invalid_request', `request to ${origin} is invalid: ${error instanceof Error ? error.message : code}`);
  }
  const detail = code === '' ? '' : ` (${code})`;
  return upstreamError('connection_lost', `connection to ${origin} failed${detail}`);
}
