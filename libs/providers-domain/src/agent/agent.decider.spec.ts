import { specificationFor } from '@switchboard/domain-kernel/testing';
import { agentDecider, type AgentCreated, type AgentEvent, type AgentStopped, type CreateAgent, type UpdateAgent } from './agent.decider.js';

const spec = specificationFor(agentDecider);
const now = new Date('2030-01-01T00:00:00Z');

const create = (data: Partial<CreateAgent['data']> = {}): CreateAgent => ({
  type: 'CreateAgent',
  data: { agentId: 'agt_1', name: 'planner', providerId: 'prv_1', providerExists: true, now, ...data },
});
const created: AgentCreated = {
  type: 'AgentCreated',
  data: { agentId: 'agt_1', name: 'planner', providerId: 'prv_1', model: null, delivery: 'proxy', monthlyBudgetUsd: null },
};
/** As agents were recorded before they had budgets. */
const createdBeforeBudgets: AgentCreated = {
  type: 'AgentCreated',
  data: { agentId: 'agt_1', name: 'planner', providerId: 'prv_1', model: null, delivery: 'proxy' },
};
const update = (changes: UpdateAgent['data']['changes'], providerExists = true): UpdateAgent => ({
  type: 'UpdateAgent',
  data: { agentId: 'agt_1', changes, providerExists, now, ...(changes.fallbacks ? { fallbackChecks: changes.fallbacks.map(() => 'ok' as const) } : {}) },
});
const deleted = { type: 'AgentDeleted', data: { agentId: 'agt_1' } } as const;
const remove = { type: 'DeleteAgent', data: { agentId: 'agt_1', now } } as const;

describe('agent decider', () => {
  describe('CreateAgent', () => {
    it('creates an agent delivered through the proxy, without a budget, by default', () => {
      spec.given([]).when(create()).then([created]);
    });

    it('keeps an explicit model and delivery', () => {
      spec
        .given([])
        .when(create({ model: 'gpt-4o', delivery: 'direct' }))
        .then([{ type: 'AgentCreated', data: { ...created.data, model: 'gpt-4o', delivery: 'direct' } }]);
    });

    it('keeps a monthly budget, zero included', () => {
      spec
        .given([])
        .when(create({ monthlyBudgetUsd: 12.5 }))
        .then([{ type: 'AgentCreated', data: { ...created.data, monthlyBudgetUsd: 12.5 } }]);
      spec
        .given([])
        .when(create({ monthlyBudgetUsd: 0 }))
        .then([{ type: 'AgentCreated', data: { ...created.data, monthlyBudgetUsd: 0 } }]);
    });

    it('refuses a provider that does not exist', () => {
      spec.given([]).when(create({ providerExists: false })).thenFails('provider_not_found');
    });

    it('refuses to create the same agent id twice', () => {
      spec.given([created]).when(create()).thenFails('invalid_state');
    });
  });

  describe('UpdateAgent', () => {
    it('records only the fields that really change', () => {
      spec
        .given([created])
        .when(update({ name: 'planner', model: 'gpt-4o', delivery: 'proxy' }))
        .then([{ type: 'AgentUpdated', data: { agentId: 'agt_1', changes: { model: 'gpt-4o' } } }]);
    });

    it('records nothing when nothing changes', () => {
      spec.given([created]).when(update({ name: 'planner', model: null })).then([]);
    });

    it('sets, changes and removes a monthly budget', () => {
      const budgeted: AgentCreated = { type: 'AgentCreated', data: { ...created.data, monthlyBudgetUsd: 40 } };
      spec
        .given([created])
        .when(update({ monthlyBudgetUsd: 40 }))
        .then([{ type: 'AgentUpdated', data: { agentId: 'agt_1', changes: { monthlyBudgetUsd: 40 } } }]);
      spec
        .given([budgeted])
        .when(update({ monthlyBudgetUsd: 0 }))
        .then([{ type: 'AgentUpdated', data: { agentId: 'agt_1', changes: { monthlyBudgetUsd: 0 } } }]);
      spec
        .given([budgeted])
        .when(update({ monthlyBudgetUsd: null }))
        .then([{ type: 'AgentUpdated', data: { agentId: 'agt_1', changes: { monthlyBudgetUsd: null } } }]);
      spec.given([budgeted]).when(update({ monthlyBudgetUsd: 40 })).then([]);
    });

    it('folds a budget set by an update, and records nothing when it is repeated', () => {
      const budgetSet = { type: 'AgentUpdated', data: { agentId: 'agt_1', changes: { monthlyBudgetUsd: 7 } } } as const;
      spec.given([created, budgetSet]).when(update({ monthlyBudgetUsd: 7, name: 'planner' })).then([]);
    });

    it('reads an agent created before budgets as having none', () => {
      spec.given([createdBeforeBudgets]).when(update({ monthlyBudgetUsd: null })).then([]);
      spec
        .given([createdBeforeBudgets])
        .when(update({ monthlyBudgetUsd: 3 }))
        .then([{ type: 'AgentUpdated', data: { agentId: 'agt_1', changes: { monthlyBudgetUsd: 3 } } }]);
    });

    it('moves the agent to another existing provider', () => {
      spec
        .given([created])
        .when(update({ providerId: 'prv_2' }))
        .then([{ type: 'AgentUpdated', data: { agentId: 'agt_1', changes: { providerId: 'prv_2' } } }]);
    });

    it('refuses to move the agent to a provider that does not exist', () => {
      spec.given([created]).when(update({ providerId: 'prv_2' }, false)).thenFails('provider_not_found');
    });

    it('ignores the provider check when the provider stays', () => {
      spec
        .given([created])
        .when(update({ providerId: 'prv_1', delivery: 'direct' }, false))
        .then([{ type: 'AgentUpdated', data: { agentId: 'agt_1', changes: { delivery: 'direct' } } }]);
    });

    it('reports an unknown or deleted agent as not found', () => {
      spec.given([]).when(update({ name: 'x' })).thenFails('agent_not_found');
      spec.given([created, deleted]).when(update({ name: 'x' })).thenFails('agent_not_found');
    });
  });

  describe('fallbacks', () => {
    const fb = (providerId: string, model: string): { providerId: string; model: string } => ({ providerId, model });
    const withModel: AgentCreated = { type: 'AgentCreated', data: { ...created.data, model: 'fast' } };

    it('records fallbacks in their order, and none by default', () => {
      spec
        .given([])
        .when(create({ fallbacks: [fb('prv_2', 'b'), fb('prv_3', 'c')], fallbackChecks: ['ok', 'ok'] }))
        .then([{ type: 'AgentCreated', data: { ...created.data, fallbacks: [fb('prv_2', 'b'), fb('prv_3', 'c')] } }]);
      spec.given([]).when(create({ fallbacks: [] })).then([created]);
    });

    it('refuses a fallback the handler did not find, naming its field', () => {
      const missingProvider = create({ fallbacks: [fb('prv_2', 'b'), fb('prv_9', 'c')], fallbackChecks: ['ok', 'provider_not_found'] });
      const result = agentDecider.decide(missingProvider, agentDecider.initialState);
      expect(result).toMatchObject({ ok: false, error: { code: 'validation_failed', details: { field: 'fallbacks[1].providerId' } } });
      const missingModel = create({ fallbacks: [fb('prv_2', 'nope')], fallbackChecks: ['model_not_found'] });
      expect(agentDecider.decide(missingModel, agentDecider.initialState)).toMatchObject({
        ok: false,
        error: { code: 'validation_failed', details: { field: 'fallbacks[0].model' } },
      });
    });

    it('refuses a repeated fallback and the primary target itself', () => {
      const repeated = create({ model: 'fast', fallbacks: [fb('prv_2', 'b'), fb('prv_2', 'b')], fallbackChecks: ['ok', 'ok'] });
      expect(agentDecider.decide(repeated, agentDecider.initialState)).toMatchObject({ ok: false, error: { details: { field: 'fallbacks[1].providerId' } } });
      const itself = create({ model: 'fast', fallbacks: [fb('prv_1', 'fast')], fallbackChecks: ['ok'] });
      expect(agentDecider.decide(itself, agentDecider.initialState)).toMatchObject({ ok: false, error: { details: { field: 'fallbacks[0].providerId' } } });
      // Another model of the same provider is another target.
      spec
        .given([])
        .when(create({ model: 'fast', fallbacks: [fb('prv_1', 'slow')], fallbackChecks: ['ok'] }))
        .then([{ type: 'AgentCreated', data: { ...withModel.data, fallbacks: [fb('prv_1', 'slow')] } }]);
    });

    it('sets, reorders and clears fallbacks, recording nothing when they stay', () => {
      const two: AgentEvent = { type: 'AgentUpdated', data: { agentId: 'agt_1', changes: { fallbacks: [fb('prv_2', 'b'), fb('prv_3', 'c')] } } };
      spec.given([created]).when(update({ fallbacks: [fb('prv_2', 'b'), fb('prv_3', 'c')] })).then([two]);
      spec.given([created, two]).when(update({ fallbacks: [fb('prv_2', 'b'), fb('prv_3', 'c')] })).then([]);
      spec
        .given([created, two])
        .when(update({ fallbacks: [fb('prv_3', 'c'), fb('prv_2', 'b')] }))
        .then([{ type: 'AgentUpdated', data: { agentId: 'agt_1', changes: { fallbacks: [fb('prv_3', 'c'), fb('prv_2', 'b')] } } }]);
      spec.given([created, two]).when(update({ fallbacks: [] })).then([{ type: 'AgentUpdated', data: { agentId: 'agt_1', changes: { fallbacks: [] } } }]);
    });

    it('refuses moving the primary onto a kept fallback', () => {
      const kept: AgentCreated = { type: 'AgentCreated', data: { ...withModel.data, fallbacks: [fb('prv_2', 'fast')] } };
      spec.given([kept]).when(update({ providerId: 'prv_2' })).thenFails('validation_failed');
      spec
        .given([kept])
        .when(update({ providerId: 'prv_2', fallbacks: [fb('prv_1', 'fast')] }))
        .then([{ type: 'AgentUpdated', data: { agentId: 'agt_1', changes: { providerId: 'prv_2', fallbacks: [fb('prv_1', 'fast')] } } }]);
    });

    it('reads an agent created before failover as having no fallbacks', () => {
      spec.given([createdBeforeBudgets]).when(update({ fallbacks: [] })).then([]);
    });
  });

  describe('DeleteAgent', () => {
    it('deletes an agent', () => {
      spec.given([created]).when(remove).then([deleted]);
    });

    it('reports an unknown or deleted agent as not found', () => {
      spec.given([]).when(remove).thenFails('agent_not_found');
      spec.given([created, deleted]).when(remove).thenFails('agent_not_found');
    });
  });

  describe('StopAgent', () => {
    const stopAgent = (revokedKeyIds: readonly string[]) => ({ type: 'StopAgent', data: { agentId: 'agt_1', revokedKeyIds, now } }) as const;
    const started = {
      type: 'AgentStartRequested',
      data: { agentId: 'agt_1', startId: 'stt_1', recipientId: 'rcp_1', delivery: 'proxy', provider: null },
    } as const;

    it('records the keys it revokes', () => {
      spec
        .given([created, started])
        .when(stopAgent(['key_1', 'key_2']))
        .then([{ type: 'AgentStopped', data: { agentId: 'agt_1', revokedKeyIds: ['key_1', 'key_2'] } }]);
    });

    it('records a stop with nothing to revoke', () => {
      spec.given([created]).when(stopAgent([])).then([{ type: 'AgentStopped', data: { agentId: 'agt_1', revokedKeyIds: [] } }]);
    });

    it('leaves the agent usable after starts (on streams written before starts had their own) and stops', () => {
      const stopped: AgentStopped = { type: 'AgentStopped', data: { agentId: 'agt_1', revokedKeyIds: [] } };
      spec.given([created, started, stopped]).when(remove).then([deleted]);
    });

    it('reports an unknown or deleted agent as not found', () => {
      spec.given([]).when(stopAgent([])).thenFails('agent_not_found');
      spec.given([created, deleted]).when(stopAgent([])).thenFails('agent_not_found');
    });
  });
});
