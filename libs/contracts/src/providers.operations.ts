import { z } from 'zod';
import { Actor } from './access.js';
import { AgentView, CreateAgentBody, UpdateAgentBody } from './agents.js';
import { ExpectedVersion, Id, Name } from './common.js';
import { CreateKeyBody, KeyView, Principal } from './keys.js';
import { CreateModelBody, ModelView } from './models.js';
import { defineOperation } from './operation.js';
import { CreateProviderBody, ProviderHistoryEntry, ProviderView, UpdateProviderBody } from './providers.js';
import { TenantSettingsView, TenantView, UpdateTenantSettingsBody } from './tenants.js';
import { AgentRoute, DiscoveredModel } from './proxy.js';

/** Hex SHA-256 of an access key; the plaintext key never leaves the gateway that generated or received it. */
export const KeyHash = z.string().regex(/^[0-9a-f]{64}$/, 'must be a hex SHA-256');

const actor = { actor: Actor };
const byId = z.object({ ...actor, id: Id });
const list = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item) });
const Empty = z.object({});

export const ProvidersOps = {
  health: defineOperation('providers.v1.health', Empty, z.object({ postgres: z.boolean() })),

  initOperatorKey: defineOperation('providers.v1.operator.init', z.object({ keyHash: KeyHash }), z.object({ created: z.boolean() })),
  resolveKey: defineOperation('providers.v1.key.resolve', z.object({ keyHash: KeyHash }), Principal),

  createTenant: defineOperation(
    'providers.v1.tenant.create',
    z.object({ ...actor, name: Name, adminKeyId: Id, adminKeyHash: KeyHash }),
    TenantView,
  ),

  getTenantSettings: defineOperation('providers.v1.tenant.settings.get', z.object(actor), TenantSettingsView),
  updateTenantSettings: defineOperation(
    'providers.v1.tenant.settings.update',
    z.object({ ...actor, expectedVersion: ExpectedVersion, changes: UpdateTenantSettingsBody }),
    TenantSettingsView,
  ),

  createKey: defineOperation(
    'providers.v1.key.create',
    z.object({ ...actor, keyId: Id, keyHash: KeyHash, body: CreateKeyBody }),
    KeyView,
  ),
  listKeys: defineOperation('providers.v1.key.list', z.object(actor), list(KeyView)),
  revokeKey: defineOperation('providers.v1.key.revoke', byId, Empty),

  registerProvider: defineOperation(
    'providers.v1.provider.register',
    z.object({ ...actor, body: CreateProviderBody }),
    ProviderView,
  ),
  listProviders: defineOperation('providers.v1.provider.list', z.object(actor), list(ProviderView)),
  getProvider: defineOperation('providers.v1.provider.get', byId, ProviderView),
  updateProvider: defineOperation(
    'providers.v1.provider.update',
    z.object({ ...actor, id: Id, expectedVersion: ExpectedVersion, changes: UpdateProviderBody }),
    ProviderView,
  ),
  deleteProvider: defineOperation(
    'providers.v1.provider.delete',
    z.object({ ...actor, id: Id, expectedVersion: ExpectedVersion }),
    Empty,
  ),
  providerHistory: defineOperation('providers.v1.provider.history', byId, list(ProviderHistoryEntry)),

  addModel: defineOperation('providers.v1.model.add', z.object({ ...actor, providerId: Id, body: CreateModelBody }), ModelView),
  listModels: defineOperation('providers.v1.model.list', z.object({ ...actor, providerId: Id }), list(ModelView)),
  removeModel: defineOperation('providers.v1.model.remove', byId, Empty),

  createAgent: defineOperation('providers.v1.agent.create', z.object({ ...actor, body: CreateAgentBody }), AgentView),
  listAgents: defineOperation('providers.v1.agent.list', z.object(actor), list(AgentView)),
  getAgent: defineOperation('providers.v1.agent.get', byId, AgentView),
  updateAgent: defineOperation(
    'providers.v1.agent.update',
    z.object({ ...actor, id: Id, expectedVersion: ExpectedVersion, changes: UpdateAgentBody }),
    AgentView,
  ),
  deleteAgent: defineOperation(
    'providers.v1.agent.delete',
    z.object({ ...actor, id: Id, expectedVersion: ExpectedVersion }),
    Empty,
  ),

  /** Records the start (202); credentials-service answers with credential.issued or credential.denied. */
  startAgent: defineOperation(
    'providers.v1.agent.start',
    z.object({ ...actor, id: Id, recipientId: Id }),
    z.object({ startId: z.string() }),
  ),
  /** Revokes every agent key issued at this agent's starts. */
  stopAgent: defineOperation('providers.v1.agent.stop', byId, z.object({ revokedKeys: z.number().int() })),

  /** The route of an agent for the proxy (gateway cache fill); tenant-scoped by the agent key's tenant. */
  resolveAgentRoute: defineOperation('providers.v1.agent.route', z.object({ tenantId: Id, agentId: Id }), AgentRoute),

  /** Records what a provider's /models listed: adds the new ones as `discovered`, keeps manual ones. */
  recordDiscoveredModels: defineOperation(
    'providers.v1.model.discovered',
    z.object({ ...actor, providerId: Id, models: z.array(DiscoveredModel).max(5000) }),
    list(ModelView),
  ),

  /** Providers (not deleted) that use a secret: the delete guard of credentials-service. */
  secretDependents: defineOperation(
    'providers.v1.secret.dependents',
    z.object({ ...actor, secretId: Id }),
    z.object({ providers: z.array(z.string()) }),
  ),

  /**
   * A scoped agent key for `proxy` delivery, issued by credentials-service at agent start. Only the
   * hash crosses the bus; the key stops resolving at expiresAt or when the agent is stopped.
   */
  issueAgentKey: defineOperation(
    'providers.v1.key.issue-agent',
    z.object({
      tenantId: Id,
      agentId: Id,
      startId: Id,
      keyId: Id,
      keyHash: KeyHash,
      expiresAt: z.string().datetime(),
    }),
    z.object({ keyId: z.string() }),
  ),
} as const;

/** Every other service answers health on the bus the same way, so /readyz can ask each. */
export const serviceHealth = (service: string) =>
  defineOperation(`${service}.v1.health`, Empty, z.object({ postgres: z.boolean() }));
