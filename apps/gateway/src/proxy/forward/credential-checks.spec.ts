import type { BusClient } from '@switchboard/messaging';
import { createLogger } from '@switchboard/telemetry';
import { CredentialChecks, PROXY_REPORT_INTERVAL_MS, type CredentialCheck } from './credential-checks.js';

/** Records what would go on the bus; the bus itself is exercised by the provider-plane whole-stack spec. */
function checksWithClock() {
  const sent: CredentialCheck[] = [];
  const bus = { send: async (_op: unknown, check: CredentialCheck) => (sent.push(check), { ok: true, value: { recorded: true } }) };
  let now = 1_000_000;
  const checks = new CredentialChecks(bus as unknown as BusClient, createLogger('spec', { level: 'error' }), () => now);
  return { checks, sent, advance: (ms: number) => (now += ms) };
}

describe('CredentialChecks from proxied calls', () => {
  it('reports a rejection once a minute per provider and key, whatever the number of calls', () => {
    const { checks, sent, advance } = checksWithClock();
    for (let i = 0; i < 50; i++) checks.fromProxy('ten_1', 'prv_1', 'sec_1', 'rejected');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ providerId: 'prv_1', secretId: 'sec_1', state: 'rejected', source: 'proxy', detail: 'rejected by the upstream (401) on a proxied call' });
    checks.fromProxy('ten_1', 'prv_1', 'sec_2', 'rejected');
    expect(sent).toHaveLength(2);
    advance(PROXY_REPORT_INTERVAL_MS);
    checks.fromProxy('ten_1', 'prv_1', 'sec_1', 'rejected');
    expect(sent).toHaveLength(3);
  });

  it('reports the key working again at once after a rejection', () => {
    const { checks, sent } = checksWithClock();
    checks.fromProxy('ten_1', 'prv_1', 'sec_1', 'rejected');
    checks.fromProxy('ten_1', 'prv_1', 'sec_1', 'valid');
    checks.fromProxy('ten_1', 'prv_1', 'sec_1', 'valid');
    expect(sent.map((c) => c.state)).toEqual(['rejected', 'valid']);
  });
});
