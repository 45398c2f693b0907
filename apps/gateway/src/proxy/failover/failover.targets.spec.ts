import type { AgentRoute } from '@switchboard/contracts';
import { failoverTargets, passesOver } from './failover.targets.js';

const provider = (id: string): AgentRoute['provider'] => ({
  id,
  type: 'custom',
  protocol: 'openai',
  endpoint: `https://${id}.example.com/v1`,
  authMethod: 'bearer',
  organizationId: null,
  defaultModel: null,
  rateLimitRpm: id === 'prv_b' ? 10 : null,
  monthlyBudgetUsd: id === 'prv_b' ? 5 : null,
  secretId: `sec_${id}`,
  credentialStatus: { state: 'valid', checkedAt: null, detail: null },
});
const models = (name: string): AgentRoute['models'] => [{ id: `mdl_${name}`, name, upstreamModel: `${name}-up`, price: null, createdAt: '2026-01-01T00:00:00.000Z' }];

const route: AgentRoute = {
  tenantId: 'ten_1',
  agent: { id: 'agt_1', name: 'a', model: 'fast', delivery: 'proxy', monthlyBudgetUsd: 20 },
  provider: provider('prv_a'),
  models: models('fast'),
  fallbacks: [
    { provider: provider('prv_b'), model: 'backup', models: models('backup') },
    { provider: provider('prv_c'), model: 'last', models: models('last') },
  ],
  tenant: { unpricedModels: 'allow', serverHistoryTokens: null, serverToolCallUsd: null },
};

describe('failover targets', () => {
  it("tries the agent's provider with the requested model, then each fallback with its own model", () => {
    const targets = failoverTargets(route, 'fast');
    expect(targets.map((t) => [t.route.provider.id, t.requested, t.fallback])).toEqual([
      ['prv_a', 'fast', false],
      ['prv_b', 'backup', true],
      ['prv_c', 'last', true],
    ]);
  });

  it("gives each target its own provider's limits and models, and the agent's and tenant's settings", () => {
    const [, second] = failoverTargets(route, 'fast');
    expect(second?.route).toMatchObject({ tenantId: 'ten_1', agent: route.agent, tenant: route.tenant, models: models('backup') });
    expect(second?.route.provider).toMatchObject({ id: 'prv_b', rateLimitRpm: 10, monthlyBudgetUsd: 5 });
    expect(second?.route.fallbacks).toBeUndefined();
  });

  it('is the agent provider alone for an agent without fallbacks, as calls were before failover', () => {
    const { fallbacks: _none, ...single } = route;
    expect(failoverTargets(single, 'fast')).toHaveLength(1);
    expect(failoverTargets({ ...route, fallbacks: [] }, 'fast')).toHaveLength(1);
  });

  it('passes over a fallback whose model cannot be resolved, whatever the reason, while another answer remains', () => {
    const fallback = { fallback: true };
    expect(passesOver(fallback, 'model_not_found', { later: true, failedBefore: false })).toBe(true);
    expect(passesOver(fallback, 'permission_denied', { later: false, failedBefore: true })).toBe(true);
    expect(passesOver(fallback, 'bad_request', { later: true, failedBefore: true })).toBe(true);
  });

  it("answers an unknown model on the agent's own provider: the client chose it", () => {
    const primary = { fallback: false };
    expect(passesOver(primary, 'model_not_found', { later: true, failedBefore: false })).toBe(false);
    expect(passesOver(primary, 'permission_denied', { later: true, failedBefore: false })).toBe(false);
    expect(passesOver(primary, 'bad_request', { later: true, failedBefore: false })).toBe(true);
  });

  it('never passes over the only answer the call can get', () => {
    expect(passesOver({ fallback: true }, 'model_not_found', { later: false, failedBefore: false })).toBe(false);
    expect(passesOver({ fallback: false }, 'bad_request', { later: false, failedBefore: false })).toBe(false);
  });
});
