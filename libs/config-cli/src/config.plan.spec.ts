import { planChanges, type PlanOptions } from './config.plan.js';
import { renderPlan } from './plan.changes.js';
import {
  actualTenant,
  agentView,
  declaredAgent,
  declaredModel,
  declaredProvider,
  declaredTenant,
  modelView,
  providerView,
} from './testing/tenant.fixtures.js';

const KEEP: PlanOptions = { prune: false, rotateCredentials: false };
const PRUNE: PlanOptions = { prune: true, rotateCredentials: false };

const priced = { inputUsdPerMTok: 1, outputUsdPerMTok: 2, cachedInputUsdPerMTok: null };
const overridePrice = { inputUsdPerMTok: 1, outputUsdPerMTok: 2, cachedInputUsdPerMTok: 1, source: 'override' as const, catalogModel: null };

describe('planChanges', () => {
  it('creates everything in an empty tenant, providers before their models and agents', () => {
    const file = declaredTenant({
      providers: [declaredProvider('main', { models: [declaredModel('m1', { price: priced }), declaredModel('m2')] })],
      agents: [declaredAgent('bot', 'main', { monthlyBudgetUsd: 5 })],
    });
    const lines = renderPlan(planChanges(file, actualTenant(), KEEP));
    expect(lines).toEqual([
      '+ create provider "main"',
      '+ create model "m1" of provider "main"',
      '+ create model "m2" of provider "main"',
      '+ create agent "bot"',
      '',
      'Plan: 4 to create, 0 to update, 0 to delete.',
    ]);
  });

  it('finds nothing to do when the tenant matches, the API defaults and discovered models included', () => {
    const file = declaredTenant({
      providers: [declaredProvider('main', { models: [declaredModel('m1', { price: priced })], rateLimitRpm: 60 })],
      agents: [declaredAgent('bot', 'main')],
    });
    const tenant = actualTenant(
      [
        {
          view: providerView({ id: 'provider_1', name: 'main', rateLimitRpm: 60, defaultModel: 'gpt-mock' }),
          models: [modelView({ id: 'model_1', name: 'm1', price: overridePrice }), modelView({ id: 'model_2', name: 'gpt-mock', source: 'discovered' })],
        },
      ],
      [agentView({ id: 'agent_1', name: 'bot', providerId: 'provider_1' })],
    );
    expect(planChanges(file, tenant, PRUNE).changes).toEqual([]);
    expect(renderPlan(planChanges(file, tenant, KEEP))).toEqual(['No changes: the tenant matches the file.']);
  });

  it('shows exactly the fields that differ, from → to', () => {
    const file = declaredTenant({
      providers: [declaredProvider('main', { rateLimitRpm: 120, monthlyBudgetUsd: 50 })],
      agents: [declaredAgent('bot', 'main', { monthlyBudgetUsd: 20 })],
    });
    const tenant = actualTenant(
      [{ view: providerView({ id: 'provider_1', name: 'main', rateLimitRpm: 60, monthlyBudgetUsd: 50 }), models: [] }],
      [agentView({ id: 'agent_1', name: 'bot', providerId: 'provider_1', monthlyBudgetUsd: 10, version: 4 })],
    );
    const plan = planChanges(file, tenant, KEEP);
    expect(renderPlan(plan).slice(0, 2)).toEqual(['~ update provider "main": rateLimitRpm 60 → 120', '~ update agent "bot": monthlyBudgetUsd 10 → 20']);
    expect(plan.changes[1]).toMatchObject({ type: 'update_agent', existing: { id: 'agent_1', version: 4 } });
    expect(plan.changes[0]).toMatchObject({ body: { rateLimitRpm: 120 }, credential: null });
  });

  it('replaces a model whose price differs (models have no update route) and leaves unpriced discovered ones be', () => {
    const file = declaredTenant({ providers: [declaredProvider('main', { models: [declaredModel('m1', { price: { ...priced, outputUsdPerMTok: 3 } }), declaredModel('gpt-mock')] })] });
    const tenant = actualTenant([
      {
        view: providerView({ id: 'provider_1', name: 'main' }),
        models: [modelView({ id: 'model_1', name: 'm1', price: overridePrice }), modelView({ id: 'model_2', name: 'gpt-mock', source: 'discovered' })],
      },
    ]);
    expect(renderPlan(planChanges(file, tenant, KEEP))[0]).toBe(
      '~ update model "m1" of provider "main": outputUsdPerMTok 2 → 3 (replaced: models cannot be changed in place)',
    );
    expect(planChanges(file, tenant, KEEP).changes).toHaveLength(1);
  });

  it('deletes what the file does not name only with prune, dependents first, never discovered models or the default the API picked', () => {
    const file = declaredTenant({ providers: [declaredProvider('main')], agents: [] });
    const tenant = actualTenant(
      [
        {
          view: providerView({ id: 'provider_1', name: 'main', defaultModel: 'picked' }),
          models: [
            modelView({ id: 'model_1', name: 'extra' }),
            modelView({ id: 'model_2', name: 'found', source: 'discovered' }),
            modelView({ id: 'model_3', name: 'picked' }),
          ],
        },
        { view: providerView({ id: 'provider_2', name: 'old', version: 7 }), models: [modelView({ id: 'model_4', name: 'goes-with-it' })] },
      ],
      [agentView({ id: 'agent_1', name: 'legacy', providerId: 'provider_2', version: 3 })],
    );
    expect(renderPlan(planChanges(file, tenant, PRUNE)).slice(0, 3)).toEqual([
      '- delete agent "legacy"',
      '- delete model "extra" of provider "main"',
      '- delete provider "old"',
    ]);
    expect(planChanges(file, tenant, PRUNE).changes).toHaveLength(3);
    const kept = planChanges(file, tenant, KEEP);
    expect(kept.changes).toEqual([]);
    expect(kept.unmanaged).toEqual(['model "extra" of provider "main"', 'provider "old"', 'agent "legacy"']);
  });

  it('leaves sections the file does not have alone, even with prune', () => {
    const tenant = actualTenant([{ view: providerView({ id: 'provider_1', name: 'main' }), models: [] }], [agentView({ id: 'agent_1', name: 'a', providerId: 'provider_1' })]);
    expect(planChanges(declaredTenant({}), tenant, PRUNE).changes).toEqual([]);
  });

  it('sends a credential only when the provider has none, its auth method changes, or rotation is asked for', () => {
    const file = declaredTenant({ providers: [declaredProvider('main')] });
    const withKey = actualTenant([{ view: providerView({ id: 'provider_1', name: 'main' }), models: [] }]);
    expect(planChanges(file, withKey, KEEP).changes).toEqual([]);
    const rotated = planChanges(file, withKey, { prune: false, rotateCredentials: true });
    expect(renderPlan(rotated)[0]).toBe('~ update provider "main": credential set → apiKey from ${env:OPENAI_KEY}');
    const keyless = actualTenant([{ view: providerView({ id: 'provider_1', name: 'main', credential: null }), models: [] }]);
    expect(planChanges(file, keyless, KEEP).changes[0]).toMatchObject({ type: 'update_provider', credential: { kind: 'api_key' } });
  });

  it('manages defaultModel only when the file sets it, and adds the model it names before pointing at it', () => {
    const tenant = actualTenant([{ view: providerView({ id: 'provider_1', name: 'main', defaultModel: 'picked' }), models: [modelView({ id: 'model_1', name: 'picked' })] }]);
    expect(planChanges(declaredTenant({ providers: [declaredProvider('main')] }), tenant, KEEP).changes).toEqual([]);
    const chosen = declaredProvider('main', { defaultModel: 'chosen', models: [declaredModel('chosen', { implicit: true })] });
    expect(renderPlan(planChanges(declaredTenant({ providers: [chosen] }), tenant, KEEP)).slice(0, 2)).toEqual([
      '+ create model "chosen" of provider "main"',
      '~ update provider "main": defaultModel picked → chosen',
    ]);
  });

  it('updates settings and alert thresholds field by field, with the version read', () => {
    const tenant = actualTenant([], [], {});
    const file = declaredTenant({
      settings: { unpricedModels: 'refuse', serverHistoryTokens: null, serverToolCallUsd: null },
      alerts: { ...tenant.alerts, errorRatePct: 10 },
    });
    const plan = planChanges(file, tenant, KEEP);
    expect(renderPlan(plan).slice(0, 2)).toEqual(['~ update tenant settings: unpricedModels allow → refuse', '~ update alert thresholds: errorRatePct 20 → 10']);
    expect(plan.changes[0]).toMatchObject({ body: { unpricedModels: 'refuse' }, existing: { version: 1 } });
  });

  it('replaces a webhook whose events differ, matching by URL and ignoring event order', () => {
    const webhook = { id: 'webhook_1', url: 'https://hooks.example.com/a', events: ['alert.raised', 'budget.exhausted'] as const, createdAt: '' };
    const tenant = actualTenant([], [], { webhooks: [{ ...webhook, events: [...webhook.events] }] });
    const same = declaredTenant({ webhooks: [{ url: webhook.url, events: ['budget.exhausted', 'alert.raised'] }] });
    expect(planChanges(same, tenant, PRUNE).changes).toEqual([]);
    const more = declaredTenant({ webhooks: [{ url: webhook.url, events: ['alert.raised'] }, { url: 'https://hooks.example.com/b', events: ['budget.restored'] }] });
    expect(renderPlan(planChanges(more, tenant, KEEP)).slice(0, 2)).toEqual([
      '~ update webhook "https://hooks.example.com/a": events [alert.raised, budget.exhausted] → [alert.raised] (replaced: a new signing secret is made)',
      '+ create webhook "https://hooks.example.com/b"',
    ]);
  });

  describe('fallbacks', () => {
    const fallback = (provider: string, model: string) => ({ provider, model });
    const twoProviders = () =>
      actualTenant(
        [
          { view: providerView({ id: 'provider_1', name: 'main' }), models: [modelView({ id: 'model_1', name: 'm1' })] },
          { view: providerView({ id: 'provider_2', name: 'spare' }), models: [modelView({ id: 'model_2', name: 'm2', providerId: 'provider_2' }), modelView({ id: 'model_3', name: 'm3', providerId: 'provider_2' })] },
        ],
        [agentView({ id: 'agent_1', name: 'bot', providerId: 'provider_1', fallbacks: [{ providerId: 'provider_2', model: 'm2' }, { providerId: 'provider_2', model: 'm3' }], version: 6 })],
      );
    const file = (fallbacks: { provider: string; model: string }[]) =>
      declaredTenant({
        providers: [declaredProvider('main', { models: [declaredModel('m1')] }), declaredProvider('spare', { models: [declaredModel('m2'), declaredModel('m3')] })],
        agents: [declaredAgent('bot', 'main', { fallbacks })],
      });

    it('makes a fallback’s provider and model before the agent that names them', () => {
      const plan = planChanges(file([fallback('spare', 'm2')]), actualTenant(), KEEP);
      expect(renderPlan(plan).slice(0, 5)).toEqual([
        '+ create provider "main"',
        '+ create provider "spare"',
        '+ create model "m1" of provider "main"',
        '+ create model "m2" of provider "spare"',
        '+ create model "m3" of provider "spare"',
      ]);
      expect(plan.changes.at(-1)).toMatchObject({ type: 'create_agent', agent: { fallbacks: [{ provider: 'spare', model: 'm2' }] } });
    });

    it('compares them by provider name (ignoring case) and model, in order: a reordered list is a change', () => {
      expect(planChanges(file([fallback('SPARE', 'm2'), fallback('spare', 'm3')]), twoProviders(), PRUNE).changes).toEqual([]);
      const reordered = planChanges(file([fallback('spare', 'm3'), fallback('spare', 'm2')]), twoProviders(), KEEP);
      expect(renderPlan(reordered)[0]).toBe('~ update agent "bot": fallbacks [spare/m2, spare/m3] → [spare/m3, spare/m2]');
      expect(reordered.changes[0]).toMatchObject({ type: 'update_agent', existing: { id: 'agent_1', version: 6 } });
      expect(renderPlan(planChanges(file([]), twoProviders(), KEEP))[0]).toBe('~ update agent "bot": fallbacks [spare/m2, spare/m3] → []');
    });

    it('deletes an agent before the provider it falls back to', () => {
      const pruned = planChanges(declaredTenant({ providers: [declaredProvider('main', { models: [declaredModel('m1')] })], agents: [] }), twoProviders(), PRUNE);
      expect(renderPlan(pruned).slice(0, 2)).toEqual(['- delete agent "bot"', '- delete provider "spare"']);
    });

    it('refuses a fallback to a provider or model that will not exist', () => {
      const unmanaged = (fallbacks: { provider: string; model: string }[]) => declaredTenant({ agents: [declaredAgent('bot', 'main', { fallbacks })] });
      expect(planChanges(unmanaged([fallback('spare', 'm3')]), twoProviders(), KEEP).changes).toHaveLength(1);
      expect(() => planChanges(unmanaged([fallback('gone', 'm3')]), twoProviders(), KEEP)).toThrow(
        expect.objectContaining({ code: 'plan_impossible', message: 'agent "bot": fallbacks[0]: provider "gone" does not exist' }),
      );
      expect(() => planChanges(unmanaged([fallback('spare', 'm1')]), twoProviders(), KEEP)).toThrow(
        expect.objectContaining({ code: 'plan_impossible', message: 'agent "bot": fallbacks[0]: provider "spare" has no model "m1"' }),
      );
    });
  });

  it('refuses what the API cannot do: a provider changing type, an agent of a provider that will not exist', () => {
    const tenant = actualTenant([{ view: providerView({ id: 'provider_1', name: 'main' }), models: [] }]);
    expect(() => planChanges(declaredTenant({ providers: [declaredProvider('main', { type: 'anthropic' })] }), tenant, KEEP)).toThrow(
      expect.objectContaining({ code: 'plan_impossible', message: expect.stringContaining('type cannot change') }),
    );
    expect(() => planChanges(declaredTenant({ agents: [declaredAgent('bot', 'nowhere')] }), tenant, KEEP)).toThrow(expect.objectContaining({ code: 'plan_impossible' }));
  });
});
