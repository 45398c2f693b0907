import { createHmac, randomBytes } from 'node:crypto';

/** Standard Webhooks secrets: `whsec_` then base64 of the key bytes (the receiver HMACs with those bytes). */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';
/** 256 bits, the HMAC-SHA256 block-size-friendly length the spec recommends (24–64 bytes). */
export const WEBHOOK_SECRET_BYTES = 32;

export function newWebhookKey(): Buffer {
  return randomBytes(WEBHOOK_SECRET_BYTES);
}

/** What the receiver configures: `whsec_<base64>`. */
export function formatWebhookSecret(key: Buffer): string {
  return `${WEBHOOK_SECRET_PREFIX}${key.toString('base64')}`;
}

/**
 * `webhook-signature` of one delivery (Standard Webhooks, v1): base64 of HMAC-SHA256 over
 * `<msgId>.<timestamp>.<body>`, keyed by the secret's decoded bytes.
 */
export function signWebhookPayload(key: Buffer, msgId: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', key).update(`${msgId}.${timestamp}.${body}`, 'utf8').digest('base64');
  return `v1,${mac}`;
}
