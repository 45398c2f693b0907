import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { canonicalContext, type KmsContext } from './canonical-context.js';
import { KmsError, type KmsPort } from './kms.port.js';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** What to store for one secret version: every field, plus the context it was sealed under. */
export interface SecretEnvelope {
  /** The data key wrapped by KMS. */
  readonly wrappedKey: Buffer;
  /** The KMS key (ARN for aws) that wrapped it; aws blobs do not reveal it. */
  readonly kmsKeyId: string;
  readonly iv: Buffer;
  readonly ciphertext: Buffer;
  readonly tag: Buffer;
}

/**
 * Envelope encryption: a fresh data key per call from KMS, AES-256-GCM with additional data =
 * canonicalContext(context) — the same context KMS binds the wrapped key to, so a ciphertext
 * moved to another secret, version or tenant fails at both layers. `keyId`: the KMS key to wrap under (a tenant's own
 * key, see KmsPort.tenantKeyId); the backend's current key when left out.
 */
export async function encryptSecret(kms: KmsPort, plaintext: Buffer, context: KmsContext, keyId?: string): Promise<SecretEnvelope> {
  const dataKey = await kms.generateDataKey(context, keyId);
  try {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', dataKey.plaintext, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(canonicalContext(context));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { wrappedKey: dataKey.wrapped, kmsKeyId: dataKey.keyId, iv, ciphertext, tag: cipher.getAuthTag() };
  } finally {
    dataKey.plaintext.fill(0);
  }
}

/** Returns the secret's bytes; the caller zeroes them once used. Rejects with a {@link KmsError}. */
export async function decryptSecret(kms: KmsPort, envelope: SecretEnvelope, context: KmsContext): Promise<Buffer> {
  if (envelope.iv.length !== IV_BYTES || envelope.tag.length !== TAG_BYTES) {
    throw new KmsError('kms_decrypt_failed', 'secret envelope has a malformed iv or tag');
  }
  const dataKey = await kms.decryptDataKey(envelope.wrappedKey, context, envelope.kmsKeyId);
  try {
    const decipher = createDecipheriv('aes-256-gcm', dataKey, envelope.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(canonicalContext(context));
    decipher.setAuthTag(envelope.tag);
    return Buffer.concat([decipher.update(envelope.ciphertext), decipher.final()]);
  } catch (error) {
    throw new KmsError('kms_decrypt_failed', 'secret does not open under this encryption context', { cause: error });
  } finally {
    dataKey.fill(0);
  }
}

/** Moves a secret's data key under another KMS key (rotation of the KMS key); the ciphertext is unchanged. */
export async function rewrapSecret(kms: KmsPort, envelope: SecretEnvelope, context: KmsContext, destinationKeyId: string): Promise<SecretEnvelope> {
  const rewrapped = await kms.reEncryptDataKey(envelope.wrappedKey, context, destinationKeyId);
  return { ...envelope, wrappedKey: rewrapped.wrapped, kmsKeyId: rewrapped.keyId };
}
