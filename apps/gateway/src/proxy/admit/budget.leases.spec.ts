import { fail, ok, roundUsd } from '@switchboard/contracts';
import type { Logger } from '@switchboard/telemetry';
import type { BudgetLedger } from './budget.ledger.js';
import { BudgetLeases, type LeaseScope } from './budget.leases.js';

/** One budget in memory with the ledger's rules: a lease is granted up to a sixteenth of what is left, never under its minimum. */
class MemoryLedger implements BudgetLedger {
  reservedUsd = 0;
  readonly leases = new Map<string, number>();
  readonly returned: { leaseId: string; unusedUsd: number }[] = [];
  down = false;

  constructor(readonly limitUsd: number) {}

  readonly reserve: BudgetLedger['reserve'] = async () => fail({ code: 'internal', message: 'not used here' });

  readonly lease: BudgetLedger['lease'] = async (request) => {
    if (this.down) return fail({ code: 'unavailable', message: 'ledger down' });
    const grant = Math.min(request.amountUsd, (this.limitUsd - this.reservedUsd) / 16);
    if (grant < request.minUsd) return ok({ grantedUsd: 0 });
    this.reservedUsd = roundUsd(this.reservedUsd + grant);
    this.leases.set(request.leaseId, grant);
    return ok({ grantedUsd: grant });
  };

  readonly returnLease: BudgetLedger['returnLease'] = async (request) => {
    this.returned.push({ leaseId: request.leaseId, unusedUsd: request.unusedUsd });
    this.reservedUsd = roundUsd(this.reservedUsd - request.unusedUsd);
    return ok({ returnedUsd: request.unusedUsd });
  };
}

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => quiet };
const SCOPE: LeaseScope = {
  tenantId: 'ten_1',
  providerId: 'prv_1',
  agentId: 'agt_1',
  period: '2026-01',
  limits: [{ scope: 'provider', subjectId: 'prv_1', limitUsd: 1_000 }],
};
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('BudgetLeases', () => {
  let now = 1_000_000;
  const leasesOn = (ledger: MemoryLedger, lifetimeMs = 1_000) =>
    new BudgetLeases({ ledger, logger: quiet, ttlMs: 60_000, lifetimeMs, leaseCalls: 64, now: () => now });

  beforeEach(() => (now = 1_000_000));

  it('admits nothing before a scope has shown a steady stream of calls', async () => {
    const ledger = new MemoryLedger(1_000);
    const leases = leasesOn(ledger);
    expect(leases.take(SCOPE, 0.01)).toBeNull();
    leases.noteReserved(SCOPE, 0.01);
    await settle();
    expect(ledger.leases.size).toBe(0);
    expect(leases.take(SCOPE, 0.01)).toBeNull();
    await leases.stop();
  });

  it('asks for a lease of 64 calls after two reservations within a second, then admits from it without the ledger', async () => {
    const ledger = new MemoryLedger(1_000);
    const leases = leasesOn(ledger);
    leases.noteReserved(SCOPE, 0.01);
    leases.noteReserved(SCOPE, 0.01);
    await settle();
    expect([...ledger.leases.values()]).toEqual([0.64]);
    const admitted = leases.take(SCOPE, 0.01);
    expect(admitted).toEqual({ leaseId: [...ledger.leases.keys()][0], reservedUsd: 0.01 });
    await leases.stop();
  });

  it('never admits more from a lease than it was granted, and returns the unused part when stopped', async () => {
    const ledger = new MemoryLedger(1_000);
    const leases = leasesOn(ledger);
    leases.noteReserved(SCOPE, 0.1);
    leases.noteReserved(SCOPE, 0.1);
    await settle();
    ledger.down = true;
    let admittedUsd = 0;
    for (let i = 0; i < 100; i++) admittedUsd += leases.take(SCOPE, 0.1)?.reservedUsd ?? 0;
    await settle();
    expect(roundUsd(admittedUsd)).toBe(6.4);
    expect(leases.take(SCOPE, 0.1)).toBeNull();
    await leases.stop();
    expect(ledger.returned).toEqual([]);
  });

  it('stops admitting after its lifetime and gives its unused part back', async () => {
    const ledger = new MemoryLedger(1_000);
    const leases = leasesOn(ledger);
    leases.noteReserved(SCOPE, 0.01);
    leases.noteReserved(SCOPE, 0.01);
    await settle();
    expect(leases.take(SCOPE, 0.01)).not.toBeNull();
    now += 1_000;
    expect(leases.take(SCOPE, 0.01)).toBeNull();
    await settle();
    expect(ledger.returned).toEqual([{ leaseId: [...ledger.leases.keys()][0], unusedUsd: 0.63 }]);
    expect(ledger.reservedUsd).toBe(0.01);
    await leases.stop();
  });

  it('does not admit a call of another period or under other limits from the lease', async () => {
    const ledger = new MemoryLedger(1_000);
    const leases = leasesOn(ledger);
    leases.noteReserved(SCOPE, 0.01);
    leases.noteReserved(SCOPE, 0.01);
    await settle();
    expect(leases.take({ ...SCOPE, limits: [{ scope: 'provider', subjectId: 'prv_1', limitUsd: 5 }] }, 0.01)).toBeNull();
    await settle();
    expect(ledger.returned).toHaveLength(1);
    await leases.stop();
  });

  it('near the limit gets no lease, and then stops asking for a while', async () => {
    const ledger = new MemoryLedger(1);
    const asked: number[] = [];
    const lease = ledger.lease;
    const counting: BudgetLedger = { ...ledger, lease: (request) => (asked.push(request.amountUsd), lease(request)), returnLease: ledger.returnLease, reserve: ledger.reserve };
    const leases = new BudgetLeases({ ledger: counting, logger: quiet, ttlMs: 60_000, now: () => now });
    for (let i = 0; i < 4; i++) leases.noteReserved(SCOPE, 0.01);
    await settle();
    for (let i = 0; i < 4; i++) leases.noteReserved(SCOPE, 0.01);
    await settle();
    expect(asked).toHaveLength(1);
    expect(leases.take(SCOPE, 0.01)).toBeNull();
    now += 5_000;
    leases.noteReserved(SCOPE, 0.01);
    leases.noteReserved(SCOPE, 0.01);
    await settle();
    expect(asked).toHaveLength(2);
    await leases.stop();
  });

  it('release() hands an open lease back at once', async () => {
    const ledger = new MemoryLedger(1_000);
    const leases = leasesOn(ledger);
    leases.noteReserved(SCOPE, 0.01);
    leases.noteReserved(SCOPE, 0.01);
    await settle();
    leases.release(SCOPE);
    await settle();
    expect(ledger.reservedUsd).toBe(0);
    expect(leases.take(SCOPE, 0.01)).toBeNull();
    await leases.stop();
  });
});
