import { DEFAULT_ALERT_SETTINGS, DEFAULT_TENANT_SETTINGS, type AgentView, type ModelView, type ProviderView } from '@switchboard/contracts';
import type { DeclaredAgent, DeclaredModel, DeclaredProvider, DeclaredTenant } from '../config.types.js';
import type { ActualProvider, ActualTenant } from '../tenant-state.js';

/** Builders of tenants as the API answers them and as files declare them, for the specs of this library. */
const AT = '2026-01-01T00:00:00.000Z';

export function providerView(overrides: Partial<ProviderView> & Pick<ProviderView, 'id' | 'name'>): ProviderView {
  return {
    type: 'openai',
    endpoint: 'https://api.openai.com/v1',
    protocol: 'openai',
    authMethod: 'bearer',
    organizationId: null,
    defaultModel: null,
    rateLimitRpm: null,
    monthlyBudgetUsd: null,
    modelCount: 0,
    credential: { secretId: 'secret_1', hint: 'sk-…abcd', version: 1 },
    credentialStatus: { state: 'unchecked', checkedAt: null, detail: null },
    version: 1,
    createdAt: AT,
    updatedAt: AT,
    ...overrides,
  };
}

export function modelView(overrides: Partial<ModelView> & Pick<ModelView, 'id' | 'name'>): ModelView {
  return { providerId: 'provider_1', upstreamModel: overrides.name, source: 'manual', price: null, priceKnown: false, createdAt: AT, ...overrides };
}

export function agentView(overrides: Partial<AgentView> & Pick<AgentView, 'id' | 'name' | 'providerId'>): AgentView {
  return { model: null, delivery: 'proxy', monthlyBudgetUsd: null, fallbacks: [], version: 1, createdAt: AT, updatedAt: AT, ...overrides };
}

export function actualTenant(providers: ActualProvider[] = [], agents: AgentView[] = [], overrides: Partial<ActualTenant> = {}): ActualTenant {
  return {
    providers,
    agents,
    webhooks: [],
    settings: { ...DEFAULT_TENANT_SETTINGS, version: 1 },
    alerts: { ...DEFAULT_ALERT_SETTINGS, version: 0 },
    ...overrides,
  };
}

export function declaredModel(name: string, overrides: Partial<DeclaredModel> = {}): DeclaredModel {
  return { name, upstreamModel: name, price: null, implicit: false, ...overrides };
}

export function declaredProvider(name: string, overrides: Partial<DeclaredProvider> = {}): DeclaredProvider {
  return {
    name,
    type: 'openai',
    endpoint: 'https://api.openai.com/v1',
    protocol: 'openai',
    authMethod: 'bearer',
    organizationId: null,
    defaultModel: undefined,
    rateLimitRpm: null,
    monthlyBudgetUsd: null,
    credential: { kind: 'api_key', apiKey: { source: 'env', name: 'OPENAI_KEY' } },
    models: [],
    ...overrides,
  };
}

export function declaredAgent(name: string, provider: string, overrides: Partial<DeclaredAgent> = {}): DeclaredAgent {
  return { name, provider, model: null, delivery: 'proxy', monthlyBudgetUsd: null, fallbacks: [], ...overrides };
}

export function declaredTenant(overrides: Partial<DeclaredTenant>): DeclaredTenant {
  return { providers: undefined, agents: undefined, settings: undefined, alerts: undefined, webhooks: undefined, ...overrides };
}
