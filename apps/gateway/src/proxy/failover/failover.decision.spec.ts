import { fallsThrough, isRetryable, opensCircuit } from './failover.decision.js';

describe('failover decision', () => {
  it.each([429, 500, 502, 503, 504, 529])('takes an upstream %i to the next target', (status) => {
    expect(isRetryable({ kind: 'status', status })).toBe(true);
  });

  it.each([400, 401, 403, 404, 409, 413, 422])('answers an upstream %i as it is', (status) => {
    expect(isRetryable({ kind: 'status', status })).toBe(false);
  });

  it.each(['connect_failed', 'connection_lost', 'timeout', 'tls', 'bad_response'] as const)('takes "%s" (no answer) to the next target', (error) => {
    expect(isRetryable({ kind: 'error', error })).toBe(true);
  });

  it.each(['aborted', 'refused_address', 'redirect', 'too_large', 'invalid_request'] as const)(
    'answers "%s" as it is: the client left, or the gateway refused the request itself',
    (error) => {
      expect(isRetryable({ kind: 'error', error })).toBe(false);
    },
  );

  it('counts against a circuit exactly what it retries', () => {
    expect(opensCircuit({ kind: 'status', status: 503 })).toBe(true);
    expect(opensCircuit({ kind: 'status', status: 400 })).toBe(false);
    expect(opensCircuit({ kind: 'error', error: 'aborted' })).toBe(false);
  });

  it("falls through the gateway's own RPM and budget refusals only", () => {
    expect(fallsThrough({ kind: 'rate_limited' })).toBe(true);
    expect(fallsThrough({ kind: 'budget_exceeded' })).toBe(true);
    expect(fallsThrough({ kind: 'service_unavailable' })).toBe(false);
    expect(fallsThrough({ kind: 'bad_request' })).toBe(false);
  });
});
