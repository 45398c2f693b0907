import { EgressRefusedError, HostResolutionError, toUpstreamError, type UpstreamErrorKind } from './upstream.error.js';

const origin = 'https://api.example.com';
const coded = (code: string, message = `failed at https://api.example.com/v1?key=sk-secret (${code})`): Error =>
  Object.assign(new Error(message), { code });

describe('toUpstreamError', () => {
  it.each<[string, unknown, UpstreamErrorKind]>([
    ['our refusal', new EgressRefusedError('endpoint resolves to a private address (10.0.0.1)'), 'refused_address'],
    ['a DNS timeout', new HostResolutionError('resolving x timed out', true), 'timeout'],
    ['a DNS failure', new HostResolutionError('host x does not resolve', false), 'connect_failed'],
    ['connect timeout', coded('UND_ERR_CONNECT_TIMEOUT'), 'timeout'],
    ['headers timeout', coded('UND_ERR_HEADERS_TIMEOUT'), 'timeout'],
    ['body timeout', coded('UND_ERR_BODY_TIMEOUT'), 'timeout'],
    ['undici abort', coded('UND_ERR_ABORTED'), 'aborted'],
    ['DOM abort', Object.assign(new Error('This operation was aborted'), { name: 'AbortError' }), 'aborted'],
    ['undici size limit', coded('UND_ERR_RES_EXCEEDED_MAX_SIZE'), 'too_large'],
    ['hostname mismatch', coded('ERR_TLS_CERT_ALTNAME_INVALID'), 'tls'],
    ['self-signed', coded('DEPTH_ZERO_SELF_SIGNED_CERT'), 'tls'],
    ['expired', coded('CERT_HAS_EXPIRED'), 'tls'],
    ['handshake', coded('ERR_SSL_WRONG_VERSION_NUMBER'), 'tls'],
    ['refused', coded('ECONNREFUSED'), 'connect_failed'],
    ['unreachable', coded('EHOSTUNREACH'), 'connect_failed'],
    ['parser', coded('HPE_INVALID_CONSTANT'), 'bad_response'],
    ['closed', coded('UND_ERR_SOCKET'), 'connection_lost'],
    ['reset', coded('ECONNRESET'), 'connection_lost'],
    ['not an error', 'boom', 'connection_lost'],
  ])('maps %s', (_label, error, kind) => {
    const mapped = toUpstreamError(error, origin);
    expect(mapped.kind).toBe(kind);
    expect(mapped.message).toContain(origin);
    expect(mapped.message).not.toContain('sk-secret');
    expect(mapped.message).not.toContain('/v1');
  });

  it('treats anything after the caller aborted as aborted', () => {
    const controller = new AbortController();
    controller.abort();
    expect(toUpstreamError(coded('UND_ERR_SOCKET'), origin, controller.signal)).toEqual({ kind: 'aborted', message: `request to ${origin} was aborted` });
  });
});
