import { z } from 'zod';
import { Actor } from './access.js';
import { AgentView, CreateAgentBody, UpdateAgentBody } from './agents.js';
import { ExpectedVersion, Id, Name } from './common.js';
import { CreateKeyBody, KeyView, Principal } from './keys.js';
import { CreateModelBody, ModelView } from './models.js';
import { defineOperation } from './operation.js';
import { PageRequest, pageOf } from './pages.js';
import { OwnedTenantQuotas, TenantQuotaChanges } from './quotas.js';
import { fromGateway } from './service-access.js';
import { CreateProviderBody, CredentialCheckSource, CredentialState, ProviderDependentsView, ProviderHistoryEntry, ProviderView, UpdateProviderBody } from './providers.js';
import { TenantSettingsView, TenantView, UpdateTenantSettingsBody } from './tenants.js';
import { AgentRoute, DiscoveredModel } from './proxy.js';

/** Hex SHA-256 of an access key; the plaintext key never leaves the gateway that generated or received it. */
export const KeyHash = z.string().regex(/^[0-9a-f]{64}$/, 'must be a hex SHA-256');

const actor = { actor: Actor };
const byId = z.object({ ...actor, id: Id });
const Empty = z.object({});

export const ProvidersOps = {
  health: defineOperation('providers.v1.health', Empty, z.object({ postgres: z.boolean() }), fromGateway),

  /**
   * Fills the operator slot. `generated`: a gateway without SWITCHBOARD_OPERATOR_KEY registers the key it made,
   * first caller wins. `environment`: a gateway configured with the key records its hash, which replaces any
   * earlier key and closes the slot to generated ones for good (refused with `forbidden`).
   */
  initOperatorKey: defineOperation(
    'providers.v1.operator.init',
    z.object({ keyHash: KeyHash, source: z.enum(['generated', 'environment']).default('generated') }),
    z.object({ created: z.boolean() }),
    fromGateway,
  ),
  resolveKey: defineOperation('providers.v1.key.resolve', z.object({ keyHash: KeyHash }), Principal, fromGateway),

  createTenant: defineOperation(
    'providers.v1.tenant.create',
    z.object({ ...actor, name: Name, adminKeyId: Id, adminKeyHash: KeyHash }),
    TenantView,
    fromGateway,
  ),

  /**
   * Operator only. First step of DELETE /v1/tenants/:id: TenantDeletionStarted, every key of the tenant revoked and its
   * agents stopped, in one transaction. A tenant whose deletion started answers ok again (the retry of a deletion that
   * stopped midway); a deleted or unknown one `tenant_not_found`.
   */
  beginTenantDeletion: defineOperation('providers.v1.tenant.deletion.begin', z.object({ ...actor, tenantId: Id }), Empty, fromGateway),
  /** Operator only. Last step, once credentials-service destroyed the tenant's key: TenantDeleted (`tenant.deleted` on the bus). */
  completeTenantDeletion: defineOperation(
    'providers.v1.tenant.deletion.complete',
    z.object({ ...actor, tenantId: Id, kmsKeyId: z.string().nullable(), keyDeletionDate: z.string().nullable() }),
    Empty,
    fromGateway,
  ),

  /** The operator's view of a tenant's quotas for providers, models, agents and keys. */
  tenantQuotas: defineOperation('providers.v1.tenant.quotas.get', z.object({ ...actor, tenantId: Id }), OwnedTenantQuotas, fromGateway),
  /** Operator only: sets or clears the tenant's own limits for those kinds; answers them as tenantQuotas does. */
  setTenantQuotas: defineOperation(
    'providers.v1.tenant.quotas.set',
    z.object({ ...actor, tenantId: Id, changes: TenantQuotaChanges }),
    OwnedTenantQuotas,
    fromGateway,
  ),

  getTenantSettings: defineOperation('providers.v1.tenant.settings.get', z.object(actor), TenantSettingsView, fromGateway),
  updateTenantSettings: defineOperation(
    'providers.v1.tenant.settings.update',
    z.object({ ...actor, expectedVersion: ExpectedVersion, changes: UpdateTenantSettingsBody }),
    TenantSettingsView,
    fromGateway,
  ),

  createKey: defineOperation(
    'providers.v1.key.create',
    z.object({ ...actor, keyId: Id, keyHash: KeyHash, body: CreateKeyBody }),
    KeyView,
    fromGateway,
  ),
  listKeys: defineOperation('providers.v1.key.list', z.object({ ...actor, ...PageRequest }), pageOf(KeyView), fromGateway),
  revokeKey: defineOperation('providers.v1.key.revoke', byId, Empty, fromGateway),

  registerProvider: defineOperation(
    'providers.v1.provider.register',
    z.object({ ...actor, body: CreateProviderBody }),
    ProviderView,
    fromGateway,
  ),
  listProviders: defineOperation('providers.v1.provider.list', z.object({ ...actor, ...PageRequest }), pageOf(ProviderView), fromGateway),
  getProvider: defineOperation('providers.v1.provider.get', byId, ProviderView, fromGateway),
  updateProvider: defineOperation(
    'providers.v1.provider.update',
    z.object({ ...actor, id: Id, expectedVersion: ExpectedVersion, changes: UpdateProviderBody }),
    ProviderView,
    fromGateway,
  ),
  /**
   * The gateway's record of what an upstream said of a provider's credential. On the service's own behalf (a
   * proxied call has no admin behind it); a verdict on a secret the provider no longer uses is dropped.
   */
  recordCredentialCheck: defineOperation(
    'providers.v1.provider.credential.checked',
    z.object({
      tenantId: Id,
      providerId: Id,
      secretId: Id.nullable(),
      state: CredentialState.exclude(['unchecked']),
      source: CredentialCheckSource,
      detail: z.string().max(300).nullable(),
    }),
    z.object({ recorded: z.boolean() }),
    fromGateway,
  ),

  /** `dryRun`: deletes nothing and answers what still refers to the provider (what a delete would refuse or take along). */
  deleteProvider: defineOperation(
    'providers.v1.provider.delete',
    z.object({ ...actor, id: Id, expectedVersion: ExpectedVersion, dryRun: z.boolean().default(false) }),
    z.object({ dependents: ProviderDependentsView.optional() }),
    fromGateway,
  ),
  providerHistory: defineOperation(
    'providers.v1.provider.history',
    z.object({ ...actor, id: Id, ...PageRequest }),
    pageOf(ProviderHistoryEntry),
    fromGateway,
  ),

  addModel: defineOperation('providers.v1.model.add', z.object({ ...actor, providerId: Id, body: CreateModelBody }), ModelView, fromGateway),
  listModels: defineOperation('providers.v1.model.list', z.object({ ...actor, providerId: Id, ...PageRequest }), pageOf(ModelView), fromGateway),
  removeModel: defineOperation('providers.v1.model.remove', byId, Empty, fromGateway),

  createAgent: defineOperation('providers.v1.agent.create', z.object({ ...actor, body: CreateAgentBody }), AgentView, fromGateway),
  listAgents: defineOperation('providers.v1.agent.list', z.object({ ...actor, ...PageRequest }), pageOf(AgentView), fromGateway),
  getAgent: defineOperation('providers.v1.agent.get', byId, AgentView, fromGateway),
  updateAgent: defineOperation(
    'providers.v1.agent.update',
    z.object({ ...actor, id: Id, expectedVersion: ExpectedVersion, changes: UpdateAgentBody }),
    AgentView,
    fromGateway,
  ),
  deleteAgent: defineOperation(
    'providers.v1.agent.delete',
    z.object({ ...actor, id: Id, expectedVersion: ExpectedVersion }),
    Empty,
    fromGateway,
  ),

  /** Records the start (202); credentials-service answers with credential.issued or credential.denied. */
  startAgent: defineOperation(
    'providers.v1.agent.start',
    z.object({ ...actor, id: Id, recipientId: Id }),
    z.object({ startId: z.string() }),
    fromGateway,
  ),
  /** Revokes every agent key issued at this agent's starts. */
  stopAgent: defineOperation('providers.v1.agent.stop', byId, z.object({ revokedKeys: z.number().int() }), fromGateway),

  /** The route of an agent for the proxy (gateway cache fill); tenant-scoped by the agent key's tenant. */
  resolveAgentRoute: defineOperation('providers.v1.agent.route', z.object({ tenantId: Id, agentId: Id }), AgentRoute, fromGateway),

  /**
   * Records what a provider's /models listed: adds the new ones as `discovered`, keeps manual ones, up to the
   * tenant's models quota. Answers the first page of the provider's models (`nextCursor` continues with
   * listModels) and `omitted`: listed models not recorded because the quota was reached.
   */
  recordDiscoveredModels: defineOperation(
    'providers.v1.model.discovered',
    z.object({ ...actor, providerId: Id, models: z.array(DiscoveredModel).max(5000) }),
    pageOf(ModelView).extend({ omitted: z.number().int().min(0) }),
    fromGateway,
  ),

  /** Providers (not deleted) that use a secret: the delete guard of credentials-service. */
  secretDependents: defineOperation(
    'providers.v1.secret.dependents',
    z.object({ ...actor, secretId: Id }),
    z.object({ providers: z.array(z.string()) }),
    { callers: ['gateway', 'credentials'] },
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
    { callers: ['credentials'] },
  ),
} as const;

/** Every other service answers health on the bus the same way, so /readyz can ask each. */
export const serviceHealth = (service: string) =>
  defineOperation(`${service}.v1.health`, Empty, z.object({ postgres: z.boolean() }), fromGateway);
