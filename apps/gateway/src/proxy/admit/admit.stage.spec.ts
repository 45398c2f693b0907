import type { AgentRoute } from '@switchboard/contracts';
import type { Logger } from '@switchboard/telemetry';
import { CallMeter } from '../meter/call.meter.js';
import type { RouteModel } from '../route/model.resolution.js';
import { AdmitStage, type AdmitDependencies, type AdmitRequest, type RpmCheck } from './admit.stage.js';
import type { BudgetAdmission } from './budget.admission.js';
import { RateLimitUnavailable, type RpmVerdict } from './rpm.limiter.js';

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => quiet };
const price = { inputUsdPerMTok: 1, outputUsdPerMTok: 2, cachedInputUsdPerMTok: 1, source: 'override' as const, catalogModel: null };
const MODEL: RouteModel = { id: 'mdl_1', name: 'm', upstreamModel: 'gpt', price, createdAt: '2026-01-01T00:00:00.000Z' };

const route = (rpm: number | null, budget: number | null): AgentRoute => ({
  tenantId: 'ten_1',
  agent: { id: 'agt_1', name: 'bot', model: null, delivery: 'proxy', monthlyBudgetUsd: null },
  provider: {
    id: 'prv_1',
    type: 'custom',
    protocol: 'openai',
    endpoint: 'https://api.example.com/v1',
    authMethod: 'bearer',
    organizationId: null,
    defaultModel: null,
    rateLimitRpm: rpm,
    monthlyBudgetUsd: budget,
    secretId: null,
    credentialStatus: { state: 'unchecked', checkedAt: null, detail: null },
  },
  models: [MODEL],
  tenant: { unpricedModels: 'allow', serverHistoryTokens: null, serverToolCallUsd: null },
});

/** The limiter and the budget as admission asks them, recording what they were asked and answering as told. */
function stage(rpm: RpmVerdict | Error = { allowed: true }, budget: Awaited<ReturnType<BudgetAdmission['admit']>> = { refusal: null }) {
  const asked: string[] = [];
  const amounts: number[] = [];
  const limiter: RpmCheck = {
    check: async () => {
      asked.push('rpm');
      if (rpm instanceof Error) throw rpm;
      return rpm;
    },
  };
  const deps: AdmitDependencies = {
    limiter,
    budget: {
      defaultMaxOutputTokens: 100,
      admit: async (_protocol, _route, _requestId, _limits, amountUsd) => {
        asked.push('budget');
        amounts.push(amountUsd);
        return budget;
      },
    },
    logger: quiet,
  };
  return { admit: new AdmitStage(deps), asked, amounts };
}

const body = { model: 'gpt', messages: [{ role: 'user', content: 'hi' }], max_tokens: 100 };
const call = (r: AgentRoute, model: RouteModel = MODEL): AdmitRequest => ({ protocol: 'openai_chat', route: r, model, body, payloadBytes: 1_000, maxOutputTokens: 100 });
const meter = () => new CallMeter({ tenantId: 'ten_1', agentId: 'agt_1', providerId: 'prv_1', model: 'm', protocol: 'openai_chat', stream: false }, 'req_1');

describe('admit stage', () => {
  it('admits a call of a provider without limit or budget without asking anyone', async () => {
    const s = stage();
    expect(await s.admit.admit(call(route(null, null)), meter())).toEqual({ admitted: true, historyTokens: 0 });
    expect(s.asked).toEqual([]);
  });

  it('asks the limiter and the budget at once, the budget for the worst case at the model price', async () => {
    const s = stage();
    expect(await s.admit.admit(call(route(60, 10)), meter())).toEqual({ admitted: true, historyTokens: 0 });
    expect(s.asked).toEqual(['rpm', 'budget']);
    // 1,000 input tokens at $1/M and 100 output tokens at $2/M.
    expect(s.amounts).toEqual([0.0012]);
  });

  it('refuses 429 with Retry-After when the limit is reached', async () => {
    const { admit } = stage({ allowed: false, retryAfterSeconds: 7 });
    const result = await admit.admit(call(route(60, null)), meter());
    expect(!result.admitted && [result.refusal.status, result.refusal.headers['retry-after']]).toEqual([429, '7']);
  });

  it('refuses 503 when the limiter cannot count, never letting the call through uncounted', async () => {
    const { admit } = stage(new RateLimitUnavailable('NATS is not connected'));
    const result = await admit.admit(call(route(60, null)), meter());
    expect(!result.admitted && result.refusal.status).toBe(503);
  });

  it('refuses 400 a budgeted call of an unpriced model, as its budget could not be held', async () => {
    const s = stage();
    const result = await s.admit.admit(call(route(null, 10), { ...MODEL, price: null }), meter());
    expect(!result.admitted && [result.refusal.status, JSON.stringify(result.refusal.body).includes('has no known price')]).toEqual([400, true]);
    expect(s.asked).toEqual([]);
  });

  it('passes on the budget refusal, and puts a lease the call was admitted under on its meter', async () => {
    const refused = stage({ allowed: true }, { refusal: { kind: 'budget_exceeded', status: 402, body: {}, headers: {} } });
    const result = await refused.admit.admit(call(route(60, 10)), meter());
    expect(!result.admitted && result.refusal.kind).toBe('budget_exceeded');
    const leased = stage({ allowed: true }, { refusal: null, lease: { leaseId: 'lease_1', reservedUsd: 0.0012 } });
    const m = meter();
    await leased.admit.admit(call(route(null, 10)), m);
    expect(m.budgetLease).toEqual({ leaseId: 'lease_1', reservedUsd: 0.0012 });
  });
});
