import { parseTenantConfig } from './config.document.js';
import { exportTenant, placeholderVariable } from './config.export.js';
import { planChanges } from './config.plan.js';
import { actualTenant, agentView, modelView, providerView } from './testing/tenant.fixtures.js';

const tenant = actualTenant(
  [
    {
      view: providerView({ id: 'provider_1', name: 'Main OpenAI', defaultModel: 'gpt-mock', rateLimitRpm: 60, monthlyBudgetUsd: 100, credential: { secretId: 'secret_1', hint: 'sk-…wxyz', version: 2 } }),
      models: [
        modelView({ id: 'model_1', name: 'fast', upstreamModel: 'gpt-4o-mini', price: { inputUsdPerMTok: 0.15, outputUsdPerMTok: 0.6, cachedInputUsdPerMTok: 0.075, source: 'override', catalogModel: null } }),
        modelView({ id: 'model_2', name: 'gpt-mock', source: 'discovered' }),
        modelView({ id: 'model_4', name: 'gpt-spare', source: 'discovered' }),
        modelView({ id: 'model_5', name: 'gpt-unused', source: 'discovered' }),
      ],
    },
    {
      view: providerView({ id: 'provider_2', name: 'internal', type: 'custom', endpoint: 'https://llm.internal.example/v1', authMethod: 'custom_headers' }),
      models: [modelView({ id: 'model_3', name: 'local', price: { inputUsdPerMTok: 1, outputUsdPerMTok: 1, cachedInputUsdPerMTok: 1, source: 'override', catalogModel: null } })],
    },
  ],
  [
    agentView({ id: 'agent_1', name: 'bot', providerId: 'provider_1', model: 'fast', monthlyBudgetUsd: 10 }),
    agentView({
      id: 'agent_2',
      name: 'router',
      providerId: 'provider_2',
      model: 'local',
      fallbacks: [
        { providerId: 'provider_1', model: 'gpt-spare' },
        { providerId: 'provider_1', model: 'fast' },
      ],
    }),
  ],
  { webhooks: [{ id: 'webhook_1', url: 'https://hooks.example.com/a', events: ['alert.raised'], createdAt: '' }] },
);

describe('exportTenant', () => {
  const text = exportTenant(tenant, '../schema/switchboard.schema.json');

  it('writes a file the schema accepts, which plans no change against the tenant it came from', () => {
    expect(text.startsWith('# yaml-language-server: $schema=../schema/switchboard.schema.json\n')).toBe(true);
    const declared = parseTenantConfig(text, 'exported.yaml');
    expect(planChanges(declared, tenant, { prune: true, rotateCredentials: false }).changes).toEqual([]);
  });

  it('writes credentials as placeholder references and leaves discovered models to discovery', () => {
    expect(text).toContain('apiKey: ${env:PROVIDER_MAIN_OPENAI_API_KEY}');
    expect(text).toContain('headers: ${env:PROVIDER_INTERNAL_HEADERS}');
    expect(text).not.toContain('secret_1');
    expect(text).not.toContain('wxyz');
    const declared = parseTenantConfig(text, 'exported.yaml');
    expect(declared.providers?.[0]?.models.filter((m) => m.name !== 'gpt-spare').map((m) => [m.name, m.implicit])).toEqual([
      ['fast', false],
      ['gpt-mock', true],
    ]);
  });

  it('writes fallbacks in order by provider name, and declares the discovered models they name', () => {
    const declared = parseTenantConfig(text, 'exported.yaml');
    expect(declared.agents?.map((a) => [a.name, a.fallbacks])).toEqual([
      ['bot', []],
      [
        'router',
        [
          { provider: 'Main OpenAI', model: 'gpt-spare' },
          { provider: 'Main OpenAI', model: 'fast' },
        ],
      ],
    ]);
    expect(declared.providers?.[0]?.models.map((m) => m.name)).toEqual(['fast', 'gpt-spare', 'gpt-mock']);
    expect(text).not.toContain('fallbacks: []');
  });

  it('names placeholder variables after the provider', () => {
    expect(placeholderVariable('openai-main', 'API_KEY')).toBe('PROVIDER_OPENAI_MAIN_API_KEY');
    expect(placeholderVariable('--', 'HEADERS')).toBe('PROVIDER_UNNAMED_HEADERS');
  });
});
