import { appError, fail, type AppError, type Result } from '@switchboard/contracts';
import { openInDomain, sealInDomain, type SealDomain, type SealedCredential } from './credential.sealing.js';
import { parseRecipientPublicKey } from './recipient-key.js';

/**
 * Secret values crossing the bus between services (gateway → credentials-service on create and
 * rotate, credentials-service → gateway on reveal) travel sealed, so no plaintext key is ever on
 * NATS. The context names the purpose, the tenant and the subject so a blob cannot be replayed
 * into another operation, tenant or secret.
 */
export interface TransportContext {
  readonly purpose: 'secret.create' | 'secret.rotate' | 'secret.reveal' | 'gateway.credential' | 'webhook.secret';
  readonly tenantId: string;
  /** The secret's name on create, its id on rotate, reveal and gateway.credential. */
  readonly subject: string;
}

const domainOf = (ctx: TransportContext): SealDomain => ({
  info: 'switchboard transport v1',
  additionalData: Buffer.from(
    ['switchboard/transport/v1', ctx.purpose, ctx.tenantId, ctx.subject].map((p) => `${Buffer.byteLength(p)}:${p}`).join('|'),
    'utf8',
  ),
});

export function sealForTransport(payload: object, recipientPublicKeyB64: string, ctx: TransportContext): SealedCredential {
  const recipient = parseRecipientPublicKey(recipientPublicKeyB64);
  if (!recipient.ok) throw new Error(`cannot seal for transport: ${recipient.error.message}`);
  return sealInDomain(payload, recipient.value, domainOf(ctx));
}

export function openFromTransport(
  sealed: SealedCredential,
  recipientPrivateKeyB64: string,
  ctx: TransportContext,
): Result<Buffer, AppError> {
  const opened = openInDomain(sealed, recipientPrivateKeyB64, domainOf(ctx));
  return opened.ok ? opened : fail(appError('validation_failed', 'sealed value does not open with this key and context'));
}
