import { z } from 'zod';
import { TenantKeyRole } from './access.js';
import { Delivery } from './agents.js';
import { AlertKind } from './alerts.js';
import { ModelSource } from './models.js';
import { CredentialCheckSource, CredentialState, ProviderSettings } from './providers.js';
import { TenantSettings } from './tenants.js';
import { UsageRecorded } from './proxy.js';
import { CredentialDeniedFields, CredentialIssuedFields, SecretKind, StartProviderSnapshot } from './credentials.js';

/**
 * Events of the providers context. Domain names are past tense (`ProviderRegistered`); on the bus each
 * travels as `events.<tenantId>.<busType>` with `type: <busType>`.
 */
export const TenantCreated = z.object({ tenantId: z.string(), name: z.string() });
/** The settings changed, with their new values; settings absent from `changes` keep theirs. */
export const TenantSettingsChanged = z.object({ tenantId: z.string(), changes: TenantSettings.partial() });
/**
 * The operator asked for the tenant's deletion: from here on its keys are refused and its resources answer 404, while
 * its data keys are being destroyed. `TenantDeleted` follows once they are: on the bus, `tenant.deleted` means that no
 * secret of the tenant can be decrypted any more. Neither carries anything but ids.
 */
export const TenantDeletionStarted = z.object({ tenantId: z.string() });
export const TenantDeleted = z.object({
  tenantId: z.string(),
  /** Id of the destroyed KMS key (null: the tenant never had one) and when the KMS forgets it for good (aws: end of the pending window). */
  kmsKeyId: z.string().nullable(),
  keyDeletionDate: z.string().nullable(),
});
export const KeyCreated = z.object({
  keyId: z.string(),
  name: z.string(),
  role: TenantKeyRole,
  agentId: z.string().nullable(),
  /** SHA-256 of a 256-bit random key: useless to an attacker, needed to rebuild the lookup table. */
  keyHash: z.string(),
  /** Set on agent keys issued at an agent start (proxy delivery): revoked by stop, dead after expiresAt. */
  startId: z.string().nullable().optional(),
  expiresAt: z.string().nullable().optional(),
});
export const KeyRevoked = z.object({ keyId: z.string() });
/** `type` is the envelope's field on the bus, so the provider's type travels as `providerType`. */
export const ProviderRegistered = ProviderSettings.omit({ type: true }).extend({
  providerId: z.string(),
  providerType: ProviderSettings.shape.type,
  secretId: z.string().nullable(),
});
/** `changes.secretId`: the provider's credential was replaced by this secret (calls that start later use it). */
export const ProviderUpdated = z.object({ providerId: z.string(), changes: ProviderSettings.partial().extend({ secretId: z.string().optional() }) });
export const ProviderDeleted = z.object({ providerId: z.string() });
/**
 * The upstream's verdict on a provider's credential (the secret it names), from discovery, the Test action or a
 * proxied call it refused with 401. Kept in a stream of its own per provider, so checks never move the provider's
 * version (its ETag).
 */
export const ProviderCredentialChecked = z.object({
  providerId: z.string(),
  secretId: z.string().nullable(),
  state: CredentialState.exclude(['unchecked']),
  source: CredentialCheckSource,
  detail: z.string().max(300).nullable(),
});
export const ModelAdded = z.object({
  modelId: z.string(),
  providerId: z.string(),
  name: z.string(),
  upstreamModel: z.string(),
  source: ModelSource,
  inputUsdPerMTok: z.number().nullable(),
  outputUsdPerMTok: z.number().nullable(),
  /** Absent in events recorded before cached-input prices existed: not set. */
  cachedInputUsdPerMTok: z.number().nullable().optional(),
});
export const ModelRemoved = z.object({ modelId: z.string(), providerId: z.string() });
export const AgentCreated = z.object({
  agentId: z.string(),
  name: z.string(),
  providerId: z.string(),
  model: z.string().nullable(),
  delivery: Delivery,
  /** Absent from agents created before budgets: none. */
  monthlyBudgetUsd: z.number().nullable().optional(),
  /** Absent from agents created before failover: none. */
  fallbacks: z.array(z.object({ providerId: z.string(), model: z.string() })).optional(),
});
export const AgentUpdated = z.object({
  agentId: z.string(),
  changes: z.object({
    name: z.string().optional(),
    providerId: z.string().optional(),
    model: z.string().nullable().optional(),
    delivery: Delivery.optional(),
    monthlyBudgetUsd: z.number().nullable().optional(),
    fallbacks: z.array(z.object({ providerId: z.string(), model: z.string() })).optional(),
  }),
});
export const AgentDeleted = z.object({ agentId: z.string() });
export const AgentStartRequested = z.object({
  agentId: z.string(),
  startId: z.string(),
  recipientId: z.string(),
  delivery: Delivery,
  provider: StartProviderSnapshot.nullable(),
});
export const AgentStopped = z.object({ agentId: z.string(), revokedKeyIds: z.array(z.string()) });

/** Events of the credentials context. Hint and fingerprint are display data, never the value. */
export const SecretCreated = z.object({
  secretId: z.string(),
  name: z.string(),
  kind: SecretKind,
  version: z.number().int(),
  fingerprint: z.string(),
  hint: z.string(),
});
export const SecretRotated = z.object({ secretId: z.string(), version: z.number().int(), fingerprint: z.string(), hint: z.string() });
export const SecretRevealed = z.object({ secretId: z.string(), version: z.number().int(), revealedBy: z.string() });
export const SecretDeleted = z.object({ secretId: z.string() });
export const RecipientRegistered = z.object({ recipientId: z.string(), name: z.string(), publicKey: z.string() });
export const CredentialIssued = CredentialIssuedFields;
export const CredentialDenied = CredentialDeniedFields;
/** A budget's spend reached its limit for the period: the proxy refuses its calls until restored. */
export const BudgetExhausted = z.object({
  scope: z.enum(['provider', 'agent']),
  subjectId: z.string(),
  period: z.string(),
  limitUsd: z.number(),
  spentUsd: z.number(),
});
/** The limit was raised above the period's spend: calls are admitted again. */
export const BudgetRestored = BudgetExhausted;

/** Events of the usage context. One per alert: `detail` holds the figures that raised it (never a secret). */
export const AlertRaised = z.object({
  alertId: z.string(),
  kind: AlertKind,
  subject: z.string(),
  detail: z.record(z.string(), z.unknown()),
});

/** Domain type → bus type (the last two subject tokens). */
export const BUS_EVENT_TYPES = {
  TenantCreated: 'tenant.created',
  TenantSettingsChanged: 'tenant.settings_changed',
  TenantDeletionStarted: 'tenant.deletion_started',
  TenantDeleted: 'tenant.deleted',
  KeyCreated: 'key.created',
  KeyRevoked: 'key.revoked',
  ProviderRegistered: 'provider.registered',
  ProviderUpdated: 'provider.updated',
  ProviderDeleted: 'provider.deleted',
  ProviderCredentialChecked: 'provider.credential-checked',
  ModelAdded: 'model.added',
  ModelRemoved: 'model.removed',
  AgentCreated: 'agent.created',
  AgentUpdated: 'agent.updated',
  AgentDeleted: 'agent.deleted',
  AgentStartRequested: 'agent.start_requested',
  AgentStopped: 'agent.stopped',
  SecretCreated: 'secret.created',
  SecretRotated: 'secret.rotated',
  SecretRevealed: 'secret.revealed',
  SecretDeleted: 'secret.deleted',
  RecipientRegistered: 'recipient.registered',
  CredentialIssued: 'credential.issued',
  CredentialDenied: 'credential.denied',
  UsageRecorded: 'usage.recorded',
  BudgetExhausted: 'budget.exhausted',
  BudgetRestored: 'budget.restored',
  AlertRaised: 'alert.raised',
} as const;
export type DomainEventType = keyof typeof BUS_EVENT_TYPES;

export const EVENT_DATA_SCHEMAS = {
  TenantCreated,
  TenantSettingsChanged,
  TenantDeletionStarted,
  TenantDeleted,
  KeyCreated,
  KeyRevoked,
  ProviderRegistered,
  ProviderUpdated,
  ProviderDeleted,
  ProviderCredentialChecked,
  ModelAdded,
  ModelRemoved,
  AgentCreated,
  AgentUpdated,
  AgentDeleted,
  AgentStartRequested,
  AgentStopped,
  SecretCreated,
  SecretRotated,
  SecretRevealed,
  SecretDeleted,
  RecipientRegistered,
  CredentialIssued,
  CredentialDenied,
  UsageRecorded,
  BudgetExhausted,
  BudgetRestored,
  AlertRaised,
} as const satisfies Record<DomainEventType, z.ZodType>;

/** What every message on the EVENTS stream carries besides its own fields. */
export const BusEventEnvelope = z.looseObject({
  eventId: z.string(),
  type: z.string(),
  tenantId: z.string(),
  at: z.string(),
});
export type BusEventEnvelope = z.infer<typeof BusEventEnvelope>;
