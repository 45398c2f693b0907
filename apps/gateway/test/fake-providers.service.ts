import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import {
  DEFAULT_TENANT_SETTINGS,
  PROVIDER_DEFAULTS,
  ProvidersOps,
  appError,
  fail,
  newId,
  ok,
  type AgentView,
  type KeyView,
  type ModelView,
  type ParsedRequestOf,
  type Principal,
  type ProviderView,
  type ReplyOf,
  type Result,
  type TenantSettingsView,
} from '@switchboard/contracts';
import { HandleOperation } from '@switchboard/messaging';
import { resolveModelPrice } from '@switchboard/pricing';

type Ops = typeof ProvidersOps;
export type Req<K extends keyof Ops> = ParsedRequestOf<Ops[K]>;
export type Res<K extends keyof Ops> = Promise<Result<ReplyOf<Ops[K]>>>;
type Owned<T> = T & { readonly tenantId: string };

/** In-memory state of the fake; tests read and change it directly. */
export class FakeProvidersState {
  postgres = true;
  operatorKeyHash: string | null = null;
  operatorKeySource: 'generated' | 'environment' | null = null;
  readonly principals = new Map<string, Principal>();
  readonly keys = new Map<string, Owned<KeyView>>();
  readonly providers = new Map<string, Owned<ProviderView>>();
  readonly models = new Map<string, Owned<ModelView>>();
  readonly agents = new Map<string, Owned<AgentView>>();
  /** Per tenant; a tenant absent here has the defaults at version 1. */
  readonly tenantSettings = new Map<string, TenantSettingsView>();
  /** Recorded agent starts, as startAgent received them. */
  readonly starts: { agentId: string; startId: string; recipientId: string }[] = [];
  /** How often the gateway asked for an agent's route (cache checks). */
  routeLookups = 0;
  /** Provider ids whose discovered models were recorded, in order. */
  readonly discoveries: string[] = [];
  /** Ids the next created tenants get, in order (a gateway configured for a tenant before it exists). */
  readonly nextTenantIds: string[] = [];

  /** Revokes behind the gateway's back, as another replica would: only the key.revoked event tells it. */
  revokeDirectly(keyId: string): void {
    for (const [hash, principal] of this.principals) if (principal.keyId === keyId) this.principals.delete(hash);
    this.keys.delete(keyId);
  }
}

export const FAKE_STATE = Symbol('FAKE_STATE');

const at = () => new Date().toISOString();
const UNCHECKED = { state: 'unchecked', checkedAt: null, detail: null } as const;
const strip = <T extends { tenantId: string }>({ tenantId: _t, ...view }: T) => view;

export function owned<T extends { tenantId: string }>(map: Map<string, T>, id: string, tenantId: string | null): T | undefined {
  const item = map.get(id);
  return item && item.tenantId === tenantId ? item : undefined;
}

/**
 * A stand-in for providers-service answering ProvidersOps over real NATS (same decorator, same envelope),
 * with just enough behaviour for the gateway's integration tests: tenant scoping, versions, in-use checks.
 */
@Controller()
export class FakeProvidersController {
  constructor(@Inject(FAKE_STATE) private readonly s: FakeProvidersState) {}

  @HandleOperation(ProvidersOps.health)
  async health(): Res<'health'> {
    return ok({ postgres: this.s.postgres });
  }

  /** As providers-service: a key from the environment replaces any other and closes the slot to generated ones. */
  @HandleOperation(ProvidersOps.initOperatorKey)
  async initOperatorKey(@Payload() r: Req<'initOperatorKey'>): Res<'initOperatorKey'> {
    if (r.source === 'generated' && this.s.operatorKeySource === 'environment') return fail(appError('forbidden', 'configured from the environment'));
    if (this.s.operatorKeyHash === r.keyHash || (r.source === 'generated' && this.s.operatorKeyHash !== null)) return ok({ created: false });
    if (this.s.operatorKeyHash !== null) this.s.principals.delete(this.s.operatorKeyHash);
    this.s.operatorKeyHash = r.keyHash;
    this.s.operatorKeySource = r.source;
    this.s.principals.set(r.keyHash, { keyId: newId('key'), tenantId: null, role: 'operator', agentId: null });
    return ok({ created: true });
  }

  @HandleOperation(ProvidersOps.resolveKey)
  async resolveKey(@Payload() r: Req<'resolveKey'>): Res<'resolveKey'> {
    const principal = this.s.principals.get(r.keyHash);
    return principal ? ok(principal) : fail(appError('unauthorized', 'unknown or revoked key'));
  }

  @HandleOperation(ProvidersOps.createTenant)
  async createTenant(@Payload() r: Req<'createTenant'>): Res<'createTenant'> {
    const tenantId = this.s.nextTenantIds.shift() ?? newId('tenant');
    this.addKey(tenantId, r.adminKeyId, r.adminKeyHash, 'admin', 'admin', null);
    return ok({ id: tenantId, name: r.name, createdAt: at(), version: 1 });
  }

  @HandleOperation(ProvidersOps.getTenantSettings)
  async getTenantSettings(@Payload() r: Req<'getTenantSettings'>): Res<'getTenantSettings'> {
    return ok(this.s.tenantSettings.get(r.actor.tenantId ?? '') ?? { ...DEFAULT_TENANT_SETTINGS, version: 1 });
  }

  @HandleOperation(ProvidersOps.updateTenantSettings)
  async updateTenantSettings(@Payload() r: Req<'updateTenantSettings'>): Res<'updateTenantSettings'> {
    const tenantId = r.actor.tenantId ?? '';
    if (r.actor.role !== 'admin') return fail(appError('forbidden', 'only an admin key may do this'));
    const current = this.s.tenantSettings.get(tenantId) ?? { ...DEFAULT_TENANT_SETTINGS, version: 1 };
    if (r.expectedVersion !== undefined && r.expectedVersion !== current.version) return fail(appError('version_conflict', 'stale version'));
    const changed = Object.entries(r.changes).some(([field, value]) => value !== undefined && value !== current[field as keyof typeof current]);
    const next = changed ? { ...current, ...r.changes, version: current.version + 1 } : current;
    this.s.tenantSettings.set(tenantId, next);
    return ok(next);
  }

  @HandleOperation(ProvidersOps.createKey)
  async createKey(@Payload() r: Req<'createKey'>): Res<'createKey'> {
    const tenantId = r.actor.tenantId ?? '';
    if (r.body.agentId && !owned(this.s.agents, r.body.agentId, tenantId)) return fail(appError('agent_not_found', 'no such agent'));
    return ok(strip(this.addKey(tenantId, r.keyId, r.keyHash, r.body.name, r.body.role, r.body.agentId ?? null)));
  }

  @HandleOperation(ProvidersOps.listKeys)
  async listKeys(@Payload() r: Req<'listKeys'>): Res<'listKeys'> {
    return ok({ data: [...this.s.keys.values()].filter((k) => k.tenantId === r.actor.tenantId).map(strip), nextCursor: null });
  }

  @HandleOperation(ProvidersOps.revokeKey)
  async revokeKey(@Payload() r: Req<'revokeKey'>): Res<'revokeKey'> {
    if (!owned(this.s.keys, r.id, r.actor.tenantId)) return fail(appError('key_not_found', 'no such key'));
    this.s.revokeDirectly(r.id);
    return ok({});
  }

  @HandleOperation(ProvidersOps.registerProvider)
  async registerProvider(@Payload() r: Req<'registerProvider'>): Res<'registerProvider'> {
    const tenantId = r.actor.tenantId ?? '';
    // As the real service: values never reach providers-service, only a secret's id.
    if (r.body.apiKey !== undefined || r.body.customHeaders !== undefined) return fail(appError('validation_failed', 'pass secretId'));
    if ([...this.s.providers.values()].some((p) => p.tenantId === tenantId && p.name === r.body.name)) {
      return fail(appError('provider_name_taken', `a provider named ${r.body.name} exists`));
    }
    const defaults = PROVIDER_DEFAULTS[r.body.type];
    const view: Owned<ProviderView> = {
      tenantId,
      id: newId('provider'),
      name: r.body.name,
      type: r.body.type,
      endpoint: r.body.endpoint ?? defaults.endpoint ?? '',
      protocol: r.body.protocol ?? defaults.protocol,
      authMethod: r.body.authMethod ?? defaults.authMethod,
      organizationId: r.body.organizationId ?? null,
      defaultModel: r.body.defaultModel ?? null,
      rateLimitRpm: r.body.rateLimitRpm ?? null,
      monthlyBudgetUsd: r.body.monthlyBudgetUsd ?? null,
      modelCount: 0,
      credential: r.body.secretId ? { secretId: r.body.secretId, hint: null, version: null } : null,
      credentialStatus: UNCHECKED,
      version: 1,
      createdAt: at(),
      updatedAt: at(),
    };
    this.s.providers.set(view.id, view);
    return ok(strip(view));
  }

  @HandleOperation(ProvidersOps.listProviders)
  async listProviders(@Payload() r: Req<'listProviders'>): Res<'listProviders'> {
    return ok({ data: [...this.s.providers.values()].filter((p) => p.tenantId === r.actor.tenantId).map(strip), nextCursor: null });
  }

  @HandleOperation(ProvidersOps.getProvider)
  async getProvider(@Payload() r: Req<'getProvider'>): Res<'getProvider'> {
    const provider = owned(this.s.providers, r.id, r.actor.tenantId);
    return provider ? ok(strip(provider)) : fail(appError('provider_not_found', `provider ${r.id} not found`));
  }

  @HandleOperation(ProvidersOps.updateProvider)
  async updateProvider(@Payload() r: Req<'updateProvider'>): Res<'updateProvider'> {
    const provider = owned(this.s.providers, r.id, r.actor.tenantId);
    if (!provider) return fail(appError('provider_not_found', `provider ${r.id} not found`));
    if (r.expectedVersion !== undefined && r.expectedVersion !== provider.version) {
      return fail(appError('version_conflict', `provider ${r.id} is at version ${provider.version}`));
    }
    const { secretId, apiKey: _k, customHeaders: _h, ...settings } = r.changes;
    const credential = secretId === undefined ? provider.credential : { secretId, hint: null, version: null };
    const credentialStatus = secretId === undefined ? provider.credentialStatus : UNCHECKED;
    const next = { ...provider, ...settings, credential, credentialStatus, version: provider.version + 1, updatedAt: at() };
    this.s.providers.set(r.id, next);
    return ok(strip(next));
  }

  @HandleOperation(ProvidersOps.deleteProvider)
  async deleteProvider(@Payload() r: Req<'deleteProvider'>): Res<'deleteProvider'> {
    const provider = owned(this.s.providers, r.id, r.actor.tenantId);
    if (!provider) return fail(appError('provider_not_found', `provider ${r.id} not found`));
    if (r.expectedVersion !== undefined && r.expectedVersion !== provider.version) {
      return fail(appError('version_conflict', `provider ${r.id} is at version ${provider.version}`));
    }
    const agents = [...this.s.agents.values()].filter((a) => a.providerId === r.id).map((a) => a.id);
    const models = [...this.s.models.values()].filter((m) => m.providerId === r.id).map((m) => m.id);
    if (r.dryRun) return ok({ dependents: { agents, models } });
    if (agents.length > 0) return fail(appError('provider_in_use', 'used by agents', { dependents: { agents, models } }));
    this.s.providers.delete(r.id);
    return ok({});
  }

  @HandleOperation(ProvidersOps.providerHistory)
  async providerHistory(@Payload() r: Req<'providerHistory'>): Res<'providerHistory'> {
    const provider = owned(this.s.providers, r.id, r.actor.tenantId);
    if (!provider) return fail(appError('provider_not_found', `provider ${r.id} not found`));
    return ok({ data: [{ type: 'provider.registered', at: provider.createdAt, actor: r.actor.keyId, version: 1, changes: {} }], nextCursor: null });
  }

  @HandleOperation(ProvidersOps.addModel)
  async addModel(@Payload() r: Req<'addModel'>): Res<'addModel'> {
    const provider = owned(this.s.providers, r.providerId, r.actor.tenantId);
    if (!provider) return fail(appError('provider_not_found', `provider ${r.providerId} not found`));
    const { name, upstreamModel = name, ...override } = r.body;
    const price = resolveModelPrice({ providerType: provider.type, endpoint: provider.endpoint, upstreamModel, override });
    const view: Owned<ModelView> = {
      tenantId: provider.tenantId,
      id: newId('model'),
      providerId: provider.id,
      name,
      upstreamModel,
      source: 'manual',
      price,
      priceKnown: price !== null,
      createdAt: at(),
    };
    this.s.models.set(view.id, view);
    return ok(strip(view));
  }

  @HandleOperation(ProvidersOps.listModels)
  async listModels(@Payload() r: Req<'listModels'>): Res<'listModels'> {
    if (!owned(this.s.providers, r.providerId, r.actor.tenantId)) return fail(appError('provider_not_found', 'no such provider'));
    return ok({ data: [...this.s.models.values()].filter((m) => m.providerId === r.providerId).map(strip), nextCursor: null });
  }

  @HandleOperation(ProvidersOps.removeModel)
  async removeModel(@Payload() r: Req<'removeModel'>): Res<'removeModel'> {
    if (!owned(this.s.models, r.id, r.actor.tenantId)) return fail(appError('model_not_found', 'no such model'));
    this.s.models.delete(r.id);
    return ok({});
  }

  @HandleOperation(ProvidersOps.createAgent)
  async createAgent(@Payload() r: Req<'createAgent'>): Res<'createAgent'> {
    const provider = owned(this.s.providers, r.body.providerId, r.actor.tenantId);
    if (!provider) return fail(appError('provider_not_found', 'no such provider'));
    const view: Owned<AgentView> = {
      tenantId: provider.tenantId,
      id: newId('agent'),
      name: r.body.name,
      providerId: provider.id,
      model: r.body.model ?? null,
      delivery: r.body.delivery ?? 'proxy',
      monthlyBudgetUsd: r.body.monthlyBudgetUsd ?? null,
      fallbacks: r.body.fallbacks ?? [],
      version: 1,
      createdAt: at(),
      updatedAt: at(),
    };
    this.s.agents.set(view.id, view);
    return ok(strip(view));
  }

  @HandleOperation(ProvidersOps.listAgents)
  async listAgents(@Payload() r: Req<'listAgents'>): Res<'listAgents'> {
    return ok({ data: [...this.s.agents.values()].filter((a) => a.tenantId === r.actor.tenantId).map(strip), nextCursor: null });
  }

  @HandleOperation(ProvidersOps.getAgent)
  async getAgent(@Payload() r: Req<'getAgent'>): Res<'getAgent'> {
    const agent = owned(this.s.agents, r.id, r.actor.tenantId);
    return agent ? ok(strip(agent)) : fail(appError('agent_not_found', `agent ${r.id} not found`));
  }

  @HandleOperation(ProvidersOps.updateAgent)
  async updateAgent(@Payload() r: Req<'updateAgent'>): Res<'updateAgent'> {
    const agent = owned(this.s.agents, r.id, r.actor.tenantId);
    if (!agent) return fail(appError('agent_not_found', `agent ${r.id} not found`));
    if (r.expectedVersion !== undefined && r.expectedVersion !== agent.version) {
      return fail(appError('version_conflict', `agent ${r.id} is at version ${agent.version}`));
    }
    const next = { ...agent, ...r.changes, version: agent.version + 1, updatedAt: at() };
    this.s.agents.set(r.id, next);
    return ok(strip(next));
  }

  @HandleOperation(ProvidersOps.deleteAgent)
  async deleteAgent(@Payload() r: Req<'deleteAgent'>): Res<'deleteAgent'> {
    const agent = owned(this.s.agents, r.id, r.actor.tenantId);
    if (!agent) return fail(appError('agent_not_found', `agent ${r.id} not found`));
    if (r.expectedVersion !== undefined && r.expectedVersion !== agent.version) {
      return fail(appError('version_conflict', `agent ${r.id} is at version ${agent.version}`));
    }
    this.s.agents.delete(r.id);
    return ok({});
  }

  private addKey(tenantId: string, keyId: string, keyHash: string, name: string, role: KeyView['role'], agentId: string | null) {
    const view: Owned<KeyView> = { tenantId, id: keyId, name, role, agentId, createdAt: at(), lastUsedAt: null };
    this.s.keys.set(keyId, view);
    this.s.principals.set(keyHash, { keyId, tenantId, role, agentId });
    return view;
  }
}
