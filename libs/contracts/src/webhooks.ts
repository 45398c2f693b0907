import { z } from 'zod';
import { Actor } from './access.js';
import { Id } from './common.js';
import { SealedBox, X25519PublicKey } from './credentials.js';
import { defineOperation } from './operation.js';
import { PageRequest, pageOf } from './pages.js';
import { OwnedTenantQuotas, TenantQuotaChanges } from './quotas.js';
import { fromGateway, type OperationAccess } from './service-access.js';

/** The bus events a webhook may subscribe to: usage-service's own (it delivers them). */
export const WEBHOOK_EVENT_TYPES = ['alert.raised', 'budget.exhausted', 'budget.restored'] as const;
export const WebhookEventType = z.enum(WEBHOOK_EVENT_TYPES);
export type WebhookEventType = z.infer<typeof WebhookEventType>;

/**
 * POST /v1/webhooks. The URL's shape is checked here; whether its host may be reached (egress rules, as for
 * provider endpoints) is decided by usage-service at save and again at every connection.
 */
export const CreateWebhookBody = z.strictObject({
  url: z.string().min(1, 'must not be empty').max(2048, 'must be at most 2048 characters'),
  events: z
    .array(WebhookEventType)
    .min(1, 'must name at least one event')
    .max(WEBHOOK_EVENT_TYPES.length)
    .refine((events) => new Set(events).size === events.length, 'must not repeat an event'),
});
export type CreateWebhookBody = z.infer<typeof CreateWebhookBody>;

export const WebhookView = z.object({ id: z.string(), url: z.string(), events: z.array(WebhookEventType), createdAt: z.string() });
export type WebhookView = z.infer<typeof WebhookView>;

/** The 201 of POST /v1/webhooks: the signing secret (`whsec_<base64>`) appears here and nowhere else, ever. */
export const CreatedWebhookView = WebhookView.extend({ secret: z.string() });
export type CreatedWebhookView = z.infer<typeof CreatedWebhookView>;

/**
 * One attempt to deliver one event to one webhook: `delivered` (2xx), `failed` (another status, no answer, or
 * refused by the egress rules; retried), `given_up` (the last failed attempt, 24 h after the first).
 */
export const WebhookDeliveryStatus = z.enum(['delivered', 'failed', 'given_up']);
export const WebhookDeliveryView = z.object({
  eventId: z.string(),
  eventType: z.string(),
  attempt: z.number().int(),
  status: WebhookDeliveryStatus,
  /** The receiver's HTTP status, null when it gave none (timeout, refused connection). */
  responseStatus: z.number().int().nullable(),
  /** Why a failed attempt failed, in a few words (never the receiver's body). */
  error: z.string().nullable(),
  at: z.string(),
});
export type WebhookDeliveryView = z.infer<typeof WebhookDeliveryView>;

const actor = { actor: Actor };
const Empty = z.object({});

/**
 * Webhooks are usage-service's (it produces the events they carry). Admins change them, members read them.
 * `create` carries a one-time X25519 key of the gateway's: the secret comes back sealed to it (transport purpose
 * webhook.secret, subject the webhook id), so it is on the bus only as ciphertext.
 */
export const WebhookOps = {
  create: defineOperation(
    'usage.v1.webhook.create',
    z.object({ ...actor, url: CreateWebhookBody.shape.url, events: CreateWebhookBody.shape.events, replyKey: X25519PublicKey }),
    WebhookView.extend({ sealedSecret: SealedBox }),
    fromGateway,
  ),
  list: defineOperation('usage.v1.webhook.list', z.object({ ...actor, ...PageRequest }), pageOf(WebhookView), fromGateway),
  get: defineOperation('usage.v1.webhook.get', z.object({ ...actor, id: Id }), WebhookView, fromGateway),
  delete: defineOperation('usage.v1.webhook.delete', z.object({ ...actor, id: Id }), Empty, fromGateway),
  /** The delivery log, newest first. */
  deliveries: defineOperation(
    'usage.v1.webhook.deliveries',
    z.object({ ...actor, id: Id, ...PageRequest }),
    pageOf(WebhookDeliveryView),
    fromGateway,
  ),
  /** The operator's view of a tenant's webhooks quota. */
  tenantQuotas: defineOperation('usage.v1.tenant.quotas.get', z.object({ ...actor, tenantId: Id }), OwnedTenantQuotas, fromGateway),
  setTenantQuotas: defineOperation(
    'usage.v1.tenant.quotas.set',
    z.object({ ...actor, tenantId: Id, changes: TenantQuotaChanges }),
    OwnedTenantQuotas,
    fromGateway,
  ),
} as const;

const fromUsage: OperationAccess = { callers: ['usage'] };

/** Standard Webhooks: `msgId.timestamp.body` is signed; the body is the event as published (bounded like a page). */
export const WebhookSignRequest = z.object({
  tenantId: Id,
  secretId: Id,
  msgId: z.string().min(1).max(128),
  timestamp: z.number().int().min(0),
  body: z.string().max(512 * 1024),
});

/**
 * The signing secrets of webhooks, kept by credentials-service under KMS like every secret and never shown but
 * once: `create` answers the new `whsec_…` value sealed to the reply key the gateway made for that one call;
 * `sign` answers `v1,<base64 HMAC-SHA256>` for one delivery; `destroy` shreds it when its webhook is deleted.
 * usage-service alone may call them: it makes the webhook, signs every delivery and deletes it.
 */
export const WebhookSecretOps = {
  create: defineOperation(
    'credentials.v1.webhook-secret.create',
    z.object({ tenantId: Id, webhookId: Id, replyKey: X25519PublicKey }),
    z.object({ secretId: z.string(), sealedSecret: SealedBox }),
    fromUsage,
  ),
  sign: defineOperation('credentials.v1.webhook-secret.sign', WebhookSignRequest, z.object({ signature: z.string() }), fromUsage),
  destroy: defineOperation('credentials.v1.webhook-secret.destroy', z.object({ tenantId: Id, secretId: Id }), Empty, fromUsage),
} as const;
