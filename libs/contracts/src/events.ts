import { z } from 'zod';
import { TenantKeyRole } from './access.js';
import { Delivery } from './agents.js';
import { ModelSource } from './models.js';
import { ProviderSettings } from './providers.js';

/**
 * Events of the providers context. Domain names are past tense (`ProviderRegistered`); on the bus each
 * travels as `events.<tenantId>.<busType>` with `type: <busType>`.
 */
export const TenantCreated = z.object({ tenantId: z.string(), name: z.string() });
export const KeyCreated = z.object({
  keyId: z.string(),
  name: z.string(),
  role: TenantKeyRole,
  agentId: z.string().nullable(),
  /** SHA-256 of a 256-bit random key: useless to an attacker, needed to rebuild the lookup table. */
  keyHash: z.string(),
});
export const KeyRevoked = z.object({ keyId: z.string() });
/** `type` is the envelope's field on the bus, so the provider's type travels as `providerType`. */
export const ProviderRegistered = ProviderSettings.omit({ type: true }).extend({
  providerId: z.string(),
  providerType: ProviderSettings.shape.type,
  secretId: z.string().nullable(),
});
export const ProviderUpdated = z.object({ providerId: z.string(), changes: ProviderSettings.partial() });
export const ProviderDeleted = z.object({ providerId: z.string() });
export const ModelAdded = z.object({
  modelId: z.string(),
  providerId: z.string(),
  name: z.string(),
  upstreamModel: z.string(),
  source: ModelSource,
  inputUsdPerMTok: z.number().nullable(),
  outputUsdPerMTok: z.number().nullable(),
});
export const ModelRemoved = z.object({ modelId: z.string(), providerId: z.string() });
export const AgentCreated = z.object({
  agentId: z.string(),
  name: z.string(),
  providerId: z.string(),
  model: z.string().nullable(),
  delivery: Delivery,
});
export const AgentUpdated = z.object({
  agentId: z.string(),
  changes: z.object({
    name: z.string().optional(),
    providerId: z.string().optional(),
    model: z.string().nullable().optional(),
    delivery: Delivery.optional(),
  }),
});
export const AgentDeleted = z.object({ agentId: z.string() });

/** Domain type → bus type (the last two subject tokens). */
export const BUS_EVENT_TYPES = {
  TenantCreated: 'tenant.created',
  KeyCreated: 'key.created',
  KeyRevoked: 'key.revoked',
  ProviderRegistered: 'provider.registered',
  ProviderUpdated: 'provider.updated',
  ProviderDeleted: 'provider.deleted',
  ModelAdded: 'model.added',
  ModelRemoved: 'model.removed',
  AgentCreated: 'agent.created',
  AgentUpdated: 'agent.updated',
  AgentDeleted: 'agent.deleted',
} as const;
export type DomainEventType = keyof typeof BUS_EVENT_TYPES;

export const EVENT_DATA_SCHEMAS = {
  TenantCreated,
  KeyCreated,
  KeyRevoked,
  ProviderRegistered,
  ProviderUpdated,
  ProviderDeleted,
  ModelAdded,
  ModelRemoved,
  AgentCreated,
  AgentUpdated,
  AgentDeleted,
} as const satisfies Record<DomainEventType, z.ZodType>;

/** What every message on the EVENTS stream carries besides its own fields. */
export const BusEventEnvelope = z.looseObject({
  eventId: z.string(),
  type: z.string(),
  tenantId: z.string(),
  at: z.string(),
});
export type BusEventEnvelope = z.infer<typeof BusEventEnvelope>;
