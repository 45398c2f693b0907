import { fail, ok, roundUsd, type AgentRoute, type BudgetLimit } from '@switchboard/contracts';
import type { Logger } from '@switchboard/telemetry';
import { BudgetAdmission, budgetLimits, inputTokenBound, maxCallCostUsd } from './budget.admission.js';
import type { BudgetLedger } from './budget.ledger.js';
import { BudgetLeases } from './budget.leases.js';

/** One provider budget with the ledger's rules: a reservation fits under the limit with every other one, leases included. */
class MemoryLedger implements BudgetLedger {
  reservedUsd = 0;
  leasedUsd = 0;
  reservations = 0;
  down = false;

  constructor(readonly limitUsd: number) {}

  readonly reserve: BudgetLedger['reserve'] = async (request) => {
    if (this.down) return fail({ code: 'unavailable', message: 'ledger down' });
    this.reservations++;
    if (this.reservedUsd + request.amountUsd > this.limitUsd) {
      const { limitUsd, reservedUsd, leasedUsd } = this;
      return ok({ admitted: false as const, scope: 'provider' as const, subjectId: 'prv_1', limitUsd, spentUsd: 0, reservedUsd, leasedUsd });
    }
    this.reservedUsd = roundUsd(this.reservedUsd + request.amountUsd);
    return ok({ admitted: true as const });
  };

  readonly lease: BudgetLedger['lease'] = async (request) => {
    const grant = Math.min(request.amountUsd, (this.limitUsd - this.reservedUsd) / 16);
    if (grant < request.minUsd) return ok({ grantedUsd: 0 });
    this.reservedUsd = roundUsd(this.reservedUsd + grant);
    this.leasedUsd = roundUsd(this.leasedUsd + grant);
    return ok({ grantedUsd: grant });
  };

  readonly returnLease: BudgetLedger['returnLease'] = async (request) => {
    this.reservedUsd = roundUsd(this.reservedUsd - request.unusedUsd);
    this.leasedUsd = roundUsd(this.leasedUsd - request.unusedUsd);
    return ok({ returnedUsd: request.unusedUsd });
  };
}

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => quiet };

const route = (providerBudget: number | null, agentBudget: number | null = null): AgentRoute => ({
  tenantId: 'ten_1',
  agent: { id: 'agt_1', name: 'bot', model: null, delivery: 'proxy', monthlyBudgetUsd: agentBudget },
  provider: {
    id: 'prv_1',
    type: 'custom',
    protocol: 'openai',
    endpoint: 'https://api.example.com/v1',
    authMethod: 'bearer',
    organizationId: null,
    defaultModel: null,
    rateLimitRpm: null,
    monthlyBudgetUsd: providerBudget,
    secretId: null,
    credentialStatus: { state: 'unchecked', checkedAt: null, detail: null },
  },
  models: [],
  tenant: { unpricedModels: 'allow', serverHistoryTokens: null, serverToolCallUsd: null },
});

const NOW = () => new Date(Date.UTC(2026, 0, 15));
const admission = (ledger: BudgetLedger, leases?: BudgetLeases) =>
  new BudgetAdmission({ ledger, logger: quiet, reservationTtlMs: 60_000, defaultMaxOutputTokens: 4096, now: NOW, ...(leases ? { leases } : {}) });
const LIMITS: BudgetLimit[] = [{ scope: 'provider', subjectId: 'prv_1', limitUsd: 1 }];
let seq = 0;
const admit = (a: BudgetAdmission, amountUsd: number, limits = LIMITS) => a.admit('openai_chat', route(1), `req_${seq++}`, limits, amountUsd);

describe('budget limits and bounds', () => {
  it('holds a call to its provider budget and its agent budget, whichever are set', () => {
    expect(budgetLimits(route(null))).toEqual([]);
    expect(budgetLimits(route(5, 2))).toEqual([
      { scope: 'provider', subjectId: 'prv_1', limitUsd: 5 },
      { scope: 'agent', subjectId: 'agt_1', limitUsd: 2 },
    ]);
  });

  it('bounds input tokens by bytes and prices the worst case, none for an unpriced model', () => {
    expect(inputTokenBound(1_000)).toBe(1_000);
    const price = { inputUsdPerMTok: 1, outputUsdPerMTok: 2, cachedInputUsdPerMTok: 1, source: 'override' as const, catalogModel: null };
    const model = { id: 'mdl_1', name: 'm', upstreamModel: 'x', price, createdAt: '2026-01-01T00:00:00.000Z' };
    expect(maxCallCostUsd(model, 1_000_000, 1_000_000)).toBe(3);
    expect(maxCallCostUsd({ ...model, price: null }, 1, 1)).toBeNull();
  });
});

describe('BudgetAdmission', () => {
  it('reserves each call and refuses the one that would exceed the budget, saying what is left', async () => {
    const ledger = new MemoryLedger(1);
    const a = admission(ledger);
    expect(await admit(a, 0.75)).toEqual({ refusal: null });
    const refused = await admit(a, 0.5);
    expect(refused.refusal?.kind).toBe('budget_exceeded');
    expect(JSON.stringify(refused.refusal?.body)).toContain('$0.75 reserved by calls in flight, leaving $0.25');
  });

  it('keeps k of N exact: of 30 concurrent calls of $0.1 under $1, exactly 10 are admitted, leases on', async () => {
    const ledger = new MemoryLedger(1);
    const leases = new BudgetLeases({ ledger, logger: quiet, ttlMs: 60_000 });
    const a = admission(ledger, leases);
    const verdicts = await Promise.all(Array.from({ length: 30 }, () => admit(a, 0.1)));
    expect(verdicts.filter((v) => v.refusal === null)).toHaveLength(10);
    expect(ledger.reservedUsd).toBe(1);
    await a.stop();
  });

  it('far from the limit, admits busy calls from a lease instead of a reservation each', async () => {
    const ledger = new MemoryLedger(1_000);
    const leases = new BudgetLeases({ ledger, logger: quiet, ttlMs: 60_000 });
    const a = admission(ledger, leases);
    await admit(a, 0.01);
    await admit(a, 0.01);
    await new Promise((resolve) => setImmediate(resolve));
    const leased = await admit(a, 0.01);
    expect(leased.lease?.reservedUsd).toBe(0.01);
    expect(ledger.reservations).toBe(2);
    await a.stop();
    // The unused part went back; what the leased call may use stays held until its usage event settles it.
    expect(ledger.leasedUsd).toBe(0.01);
  });

  it('retries once, after the leases lifetime, a refusal that unused leases may have caused', async () => {
    const ledger = new MemoryLedger(1);
    ledger.reservedUsd = 0.95;
    ledger.leasedUsd = 0.5;
    const leases = new BudgetLeases({ ledger, logger: quiet, ttlMs: 60_000, lifetimeMs: 20 });
    // Another gateway's lease comes back meanwhile.
    setTimeout(() => void ledger.returnLease({ tenantId: 'ten_1', leaseId: 'lease_other', unusedUsd: 0.5 }), 5);
    const verdict = await admit(admission(ledger, leases), 0.3);
    expect(verdict).toEqual({ refusal: null });
    expect(ledger.reservations).toBe(2);
  });

  it('refuses with 503 and Retry-After when the ledger cannot be reached, never admitting unreserved', async () => {
    const ledger = new MemoryLedger(1);
    ledger.down = true;
    const { refusal } = await admit(admission(ledger), 0.1);
    expect(refusal?.kind).toBe('service_unavailable');
    expect(refusal?.status).toBe(503);
    expect(refusal?.headers['retry-after']).toBeDefined();
  });
});
