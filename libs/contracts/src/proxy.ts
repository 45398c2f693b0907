import { z } from 'zod';
import { Delivery } from './agents.js';
import { ModelPrice } from './models.js';
import { TenantSettings } from './tenants.js';
import { AuthMethod, CredentialStatus, Protocol, ProviderType } from './providers.js';

const RouteProvider = z.object({
  id: z.string(),
  type: ProviderType,
  protocol: Protocol,
  endpoint: z.string(),
  authMethod: AuthMethod,
  organizationId: z.string().nullable(),
  defaultModel: z.string().nullable(),
  rateLimitRpm: z.number().int().nullable(),
  monthlyBudgetUsd: z.number().nullable(),
  secretId: z.string().nullable(),
  /** What the upstream last said of that credential: a 404 for a model discovery never found says why. */
  credentialStatus: CredentialStatus,
});

const RouteModels = z.array(
  z.object({
    id: z.string(),
    name: z.string(),
    upstreamModel: z.string(),
    /** Resolved by providers-service when it builds the route; null when the model is unpriced. */
    price: ModelPrice.nullable(),
    createdAt: z.string(),
  }),
);

/** Everything the proxy needs to route one agent's calls; cached in the gateway, dropped on events. */
export const AgentRoute = z.object({
  tenantId: z.string(),
  agent: z.object({
    id: z.string(),
    name: z.string(),
    model: z.string().nullable(),
    delivery: Delivery,
    monthlyBudgetUsd: z.number().nullable(),
  }),
  provider: RouteProvider,
  models: RouteModels,
  /**
   * The agent's fallbacks in failover order, each with its provider and that provider's models; `model` is the
   * fallback's model name. A fallback whose provider is gone is left out (deleting a provider in use is refused).
   * Absent when the agent has none, and from a providers-service that predates failover.
   */
  fallbacks: z.array(z.object({ provider: RouteProvider, model: z.string(), models: RouteModels })).optional(),
  tenant: TenantSettings,
});
export type AgentRoute = z.infer<typeof AgentRoute>;

export const ClientProtocol = z.enum(['openai_chat', 'openai_responses', 'anthropic_messages']);
export type ClientProtocol = z.infer<typeof ClientProtocol>;

/** One per proxied call, errors included (API.md `usage.recorded`). */
export const UsageRecorded = z.object({
  requestId: z.string(),
  agentId: z.string(),
  providerId: z.string(),
  model: z.string(),
  protocol: ClientProtocol,
  stream: z.boolean(),
  status: z.number().int(),
  errorKind: z.string().optional(),
  inputTokens: z.number().int().min(0),
  outputTokens: z.number().int().min(0),
  cachedTokens: z.number().int().min(0),
  /**
   * `upstream`: the tokens as the upstream reported them. `estimated`: it reported none or not all (the client left,
   * the stream was cut, the upstream died), so they were counted with the model family's tokenizer, output never
   * below what was relayed. Events from before this field are the upstream's.
   */
  usageSource: z.enum(['upstream', 'estimated']).default('upstream'),
  /**
   * Calls of tools the provider runs and bills itself, charged at the tenant's `serverToolCallUsd` and included in
   * `costUsd`: as the upstream reported them, or the request's cap when it did not report them all.
   */
  serverToolCalls: z.number().int().min(0).optional(),
  /** Absent when the model is unpriced; then `price` is absent too. */
  costUsd: z.number().min(0).optional(),
  /** Set when the call was admitted under a budget lease: its settlement takes reservedUsd off that lease. */
  budgetLease: z.object({ leaseId: z.string().min(1).max(64), reservedUsd: z.number().min(0) }).optional(),
  /** The price `costUsd` was computed with, as it was when the call was made. */
  price: ModelPrice.optional(),
  latencyMs: z.number().min(0),
  ttfbMs: z.number().min(0).nullable(),
  /** 1, 2, … in failover order; the attempts of one call share its requestId. Absent (events from before failover): 1. */
  attempt: z.number().int().min(1).optional(),
});
export type UsageRecorded = z.infer<typeof UsageRecorded>;

/**
 * What tells one attempt of a call from the others that share its requestId: its usage event's id (the Nats-Msg-Id
 * JetStream dedupes on) and its budget reservation. The first attempt keeps the bare requestId, as calls did before failover.
 */
export const attemptKeyOf = (requestId: string, attempt = 1): string => (attempt === 1 ? requestId : `${requestId}-${attempt}`);

export const DiscoveredModel = z.object({ upstreamModel: z.string().min(1).max(200), createdAt: z.string().nullable() });
export type DiscoveredModel = z.infer<typeof DiscoveredModel>;
