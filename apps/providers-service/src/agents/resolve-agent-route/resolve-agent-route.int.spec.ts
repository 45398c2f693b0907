import pg from 'pg';
import { DEFAULT_TENANT_SETTINGS, newId, ProvidersOps, type AgentRoute, type Result } from '@switchboard/contracts';
import { startTestStack, type TestStack, value, errorCode, createTenant } from '../../../test/service.harness.js';

let stack: TestStack;


const newTenant = (name: string) => createTenant(stack, name);

const route = (tenantId: string, agentId: string): Promise<Result<AgentRoute>> =>
  stack.bus.send(ProvidersOps.resolveAgentRoute, { tenantId, agentId });

beforeAll(async () => {
  stack = await startTestStack(1);
});

afterAll(async () => {
  await stack?.stop();
});

describe('resolveAgentRoute', () => {
  it("answers the agent, its provider with limits and secret, and the provider's live models", async () => {
    const { tenantId, admin } = await newTenant('Routes');
    const provider = value(
      await stack.bus.send(ProvidersOps.registerProvider, {
        actor: admin,
        body: { name: 'Main', type: 'openai', secretId: 'sec_route', organizationId: 'org-1', defaultModel: 'gpt-4o', rateLimitRpm: 600, monthlyBudgetUsd: 250.5 },
      }),
    );
    const addModel = (name: string, prices: { inputUsdPerMTok?: number; outputUsdPerMTok?: number } = {}, upstreamModel?: string) =>
      stack.bus.send(ProvidersOps.addModel, {
        actor: admin,
        providerId: provider.id,
        body: { name, ...prices, ...(upstreamModel === undefined ? {} : { upstreamModel }) },
      });
    const fast = value(await addModel('fast', { inputUsdPerMTok: 0.15, outputUsdPerMTok: 0.6 }, 'gpt-4o-mini'));
    const removed = value(await addModel('old'));
    // Named at registration, the default model is one of the provider's models already.
    const catalogPriced = value(await stack.bus.send(ProvidersOps.listModels, { actor: admin, providerId: provider.id })).data.find((m) => m.name === 'gpt-4o');
    expect(catalogPriced).toMatchObject({ source: 'manual', upstreamModel: 'gpt-4o' });
    expect(errorCode(await addModel('gpt-4o'))).toBe('model_name_taken');
    const unpriced = value(await addModel('inhouse', {}, 'inhouse-finetune-7b'));
    value(await stack.bus.send(ProvidersOps.removeModel, { actor: admin, id: removed.id }));
    // Another provider's models of the same tenant are not this agent's.
    const other = value(await stack.bus.send(ProvidersOps.registerProvider, { actor: admin, body: { name: 'Other', type: 'anthropic' } }));
    value(await stack.bus.send(ProvidersOps.addModel, { actor: admin, providerId: other.id, body: { name: 'claude' } }));
    const agent = value(
      await stack.bus.send(ProvidersOps.createAgent, {
        actor: admin,
        body: { name: 'planner', providerId: provider.id, model: 'fast', monthlyBudgetUsd: 40.25 },
      }),
    );

    expect(value(await route(tenantId, agent.id))).toEqual({
      tenantId,
      agent: { id: agent.id, name: 'planner', model: 'fast', delivery: 'proxy', monthlyBudgetUsd: 40.25 },
      provider: {
        id: provider.id,
        type: 'openai',
        protocol: 'openai',
        endpoint: 'https://api.openai.com/v1',
        authMethod: 'bearer',
        organizationId: 'org-1',
        defaultModel: 'gpt-4o',
        rateLimitRpm: 600,
        monthlyBudgetUsd: 250.5,
        secretId: 'sec_route',
        credentialStatus: { state: 'unchecked', checkedAt: null, detail: null },
      },
      models: [
        {
          id: catalogPriced?.id,
          name: 'gpt-4o',
          upstreamModel: 'gpt-4o',
          price: { inputUsdPerMTok: 2.5, outputUsdPerMTok: 10, cachedInputUsdPerMTok: 1.25, source: 'catalog', catalogModel: 'openai/gpt-4o' },
          createdAt: catalogPriced?.createdAt,
        },
        {
          id: fast.id,
          name: 'fast',
          upstreamModel: 'gpt-4o-mini',
          price: { inputUsdPerMTok: 0.15, outputUsdPerMTok: 0.6, cachedInputUsdPerMTok: 0.15, source: 'override', catalogModel: null },
          createdAt: fast.createdAt,
        },
        { id: unpriced.id, name: 'inhouse', upstreamModel: 'inhouse-finetune-7b', price: null, createdAt: unpriced.createdAt },
      ],
      tenant: { unpricedModels: 'allow', serverHistoryTokens: null, serverToolCallUsd: null },
    });

    // The route follows the read model: an agent moved to another provider routes there.
    value(
      await stack.bus.send(ProvidersOps.updateAgent, {
        actor: admin,
        id: agent.id,
        changes: { providerId: other.id, delivery: 'direct', monthlyBudgetUsd: null },
      }),
    );
    const moved = value(await route(tenantId, agent.id));
    expect(moved.agent).toMatchObject({ delivery: 'direct', monthlyBudgetUsd: null });
    expect(moved.provider).toMatchObject({ id: other.id, protocol: 'anthropic_messages', secretId: null, rateLimitRpm: null, monthlyBudgetUsd: null });
    expect(moved.models.map((m) => m.name)).toEqual(['claude']);
  });

  it("carries the tenant's choice on unpriced models, which only an admin changes, announced by tenant.settings_changed", async () => {
    const { tenantId, admin } = await newTenant('Strict');
    const provider = value(await stack.bus.send(ProvidersOps.registerProvider, { actor: admin, body: { name: 'P', type: 'openai' } }));
    const agent = value(await stack.bus.send(ProvidersOps.createAgent, { actor: admin, body: { name: 'a', providerId: provider.id } }));
    expect(value(await stack.bus.send(ProvidersOps.getTenantSettings, { actor: admin }))).toEqual({ ...DEFAULT_TENANT_SETTINGS, version: 1 });

    const member = { ...admin, keyId: newId('key'), role: 'member' as const };
    expect(errorCode(await stack.bus.send(ProvidersOps.updateTenantSettings, { actor: member, changes: { unpricedModels: 'refuse' } }))).toBe('forbidden');
    expect(errorCode(await stack.bus.send(ProvidersOps.updateTenantSettings, { actor: admin, expectedVersion: 7, changes: { unpricedModels: 'refuse' } })))
      .toBe('version_conflict');
    const changed = value(await stack.bus.send(ProvidersOps.updateTenantSettings, { actor: admin, expectedVersion: 1, changes: { unpricedModels: 'refuse' } }));
    expect(changed).toEqual({ ...DEFAULT_TENANT_SETTINGS, unpricedModels: 'refuse', version: 2 });
    expect(value(await stack.bus.send(ProvidersOps.getTenantSettings, { actor: member }))).toEqual(changed);
    expect(value(await route(tenantId, agent.id)).tenant).toEqual({ ...DEFAULT_TENANT_SETTINGS, unpricedModels: 'refuse' });
    const event = await stack.lastEvent(tenantId, 'tenant.settings_changed');
    expect(event?.json()).toMatchObject({ type: 'tenant.settings_changed', tenantId, changes: { unpricedModels: 'refuse' } });
    // The same value again records nothing.
    expect(value(await stack.bus.send(ProvidersOps.updateTenantSettings, { actor: admin, changes: { unpricedModels: 'refuse' } })).version).toBe(2);
  });

  it('carries the bounds a tenant sets on server-side history and tool calls into its routes, and clears them with null', async () => {
    const { tenantId, admin } = await newTenant('Bounded');
    const provider = value(await stack.bus.send(ProvidersOps.registerProvider, { actor: admin, body: { name: 'P', type: 'openai' } }));
    const agent = value(await stack.bus.send(ProvidersOps.createAgent, { actor: admin, body: { name: 'a', providerId: provider.id } }));
    const bounded = value(
      await stack.bus.send(ProvidersOps.updateTenantSettings, { actor: admin, changes: { serverHistoryTokens: 50_000, serverToolCallUsd: 0.01 } }),
    );
    expect(bounded).toEqual({ unpricedModels: 'allow', serverHistoryTokens: 50_000, serverToolCallUsd: 0.01, version: 2 });
    expect(value(await route(tenantId, agent.id)).tenant).toEqual({ unpricedModels: 'allow', serverHistoryTokens: 50_000, serverToolCallUsd: 0.01 });
    const cleared = value(await stack.bus.send(ProvidersOps.updateTenantSettings, { actor: admin, changes: { serverHistoryTokens: null } }));
    expect(cleared).toEqual({ unpricedModels: 'allow', serverHistoryTokens: null, serverToolCallUsd: 0.01, version: 3 });
    expect(value(await route(tenantId, agent.id)).tenant.serverHistoryTokens).toBeNull();
  });

  it('answers an empty model list for a provider without models', async () => {
    const { tenantId, admin } = await newTenant('No models');
    const provider = value(await stack.bus.send(ProvidersOps.registerProvider, { actor: admin, body: { name: 'Bare', type: 'openai' } }));
    const agent = value(await stack.bus.send(ProvidersOps.createAgent, { actor: admin, body: { name: 'a', providerId: provider.id } }));
    expect(value(await route(tenantId, agent.id))).toMatchObject({
      agent: { model: null, monthlyBudgetUsd: null },
      provider: { secretId: null },
      models: [],
    });
  });

  it("is scoped to the tenant: another tenant's, a deleted and an unknown agent are all agent_not_found", async () => {
    const a = await newTenant('Owner');
    const b = await newTenant('Stranger');
    const provider = value(await stack.bus.send(ProvidersOps.registerProvider, { actor: a.admin, body: { name: 'P', type: 'openai' } }));
    const agent = value(await stack.bus.send(ProvidersOps.createAgent, { actor: a.admin, body: { name: 'mine', providerId: provider.id } }));
    const doomed = value(await stack.bus.send(ProvidersOps.createAgent, { actor: a.admin, body: { name: 'doomed', providerId: provider.id } }));
    value(await stack.bus.send(ProvidersOps.deleteAgent, { actor: a.admin, id: doomed.id }));

    expect(errorCode(await route(b.tenantId, agent.id))).toBe('agent_not_found');
    expect(errorCode(await route(a.tenantId, doomed.id))).toBe('agent_not_found');
    expect(errorCode(await route(a.tenantId, newId('agent')))).toBe('agent_not_found');
    expect(value(await route(a.tenantId, agent.id)).agent.id).toBe(agent.id);
  });

  it('answers provider_not_found when the read model has the agent but its provider deleted', async () => {
    // Deletion is refused while agents use a provider, so only a read model out of step can show this.
    const { tenantId, admin } = await newTenant('Orphan');
    const provider = value(await stack.bus.send(ProvidersOps.registerProvider, { actor: admin, body: { name: 'Gone', type: 'openai' } }));
    const agent = value(await stack.bus.send(ProvidersOps.createAgent, { actor: admin, body: { name: 'left', providerId: provider.id } }));
    const db = new pg.Client({ connectionString: stack.databaseUrl });
    await db.connect();
    try {
      await db.query('UPDATE providers.providers SET deleted_at = now() WHERE id = $1', [provider.id]);
    } finally {
      await db.end();
    }
    const answer = await route(tenantId, agent.id);
    expect(answer).toMatchObject({ ok: false, error: { code: 'provider_not_found' } });
  });

  it("answers the agent's fallbacks in order, each with its provider and that provider's live models", async () => {
    const { tenantId, admin } = await newTenant('Fallbacks');
    const register = async (name: string, models: string[]) => {
      const provider = value(await stack.bus.send(ProvidersOps.registerProvider, { actor: admin, body: { name, type: 'custom', endpoint: `https://${name}.example.com/v1` } }));
      for (const model of models) value(await stack.bus.send(ProvidersOps.addModel, { actor: admin, providerId: provider.id, body: { name: model } }));
      return provider.id;
    };
    const main = await register('main', ['fast']);
    const second = await register('second', ['backup', 'other']);
    const third = await register('third', ['last']);
    const agent = value(
      await stack.bus.send(ProvidersOps.createAgent, {
        actor: admin,
        body: { name: 'resilient', providerId: main, model: 'fast', fallbacks: [{ providerId: third, model: 'last' }, { providerId: second, model: 'backup' }] },
      }),
    );
    expect(agent.fallbacks).toEqual([{ providerId: third, model: 'last' }, { providerId: second, model: 'backup' }]);

    const answered = value(await route(tenantId, agent.id));
    expect(answered.provider.id).toBe(main);
    expect(answered.fallbacks?.map((f) => [f.provider.id, f.provider.endpoint, f.model, f.models.map((m) => m.name)])).toEqual([
      [third, 'https://third.example.com/v1', 'last', ['last']],
      [second, 'https://second.example.com/v1', 'backup', ['backup', 'other']],
    ]);

    // Cleared, the route has none, as routes of agents created before failover.
    value(await stack.bus.send(ProvidersOps.updateAgent, { actor: admin, id: agent.id, changes: { fallbacks: [] } }));
    expect(value(await route(tenantId, agent.id)).fallbacks).toBeUndefined();
    expect(value(await stack.bus.send(ProvidersOps.getAgent, { actor: admin, id: agent.id })).fallbacks).toEqual([]);
  });

  it('refuses ids that are not ids at the boundary', async () => {
    expect(errorCode(await stack.bus.send(ProvidersOps.resolveAgentRoute, { tenantId: 'ten 1', agentId: 'agent_1' }))).toBe('validation_failed');
  });
});
