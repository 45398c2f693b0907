import { createCipheriv, createDecipheriv, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { appError, fail, ok, type AppError, type Result } from '@switchboard/contracts';
import {
  X25519_KEY_BYTES,
  decodeCanonicalBase64,
  parseRecipientPublicKey,
  privateKeyObjectFromRaw,
  publicKeyObjectFromRaw,
  rawPublicKeyOf,
} from './recipient-key.js';

/** The sealing of API.md ("Sealing (exact, so any orchestrator can open it)"); any change is a new alg. */
export const SEAL_ALG = 'X25519-HKDF-SHA256-A256GCM';

/** Domain separation: a blob sealed for one purpose never opens as another. */
export interface SealDomain {
  readonly info: string;
  readonly additionalData: Buffer;
}

const credentialDomain = (ctx: SealContext): SealDomain => ({
  info: 'switchboard credential v1',
  additionalData: Buffer.from(`switchboard/credential/v1|${ctx.tenantId}|${ctx.agentId}|${ctx.startId}|${ctx.recipientId}`, 'utf8'),
});
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Who a credential is for; bound into the GCM additional data so a blob moved to another event does not open. */
export interface SealContext {
  readonly tenantId: string;
  readonly agentId: string;
  readonly startId: string;
  readonly recipientId: string;
}

/** The `sealed` object of a `credential.issued` event; byte fields are standard padded base64. */
export interface SealedCredential {
  readonly alg: typeof SEAL_ALG;
  readonly epk: string;
  readonly iv: string;
  readonly ciphertext: string;
  readonly tag: string;
}

/**
 * Seals `payload` (serialised as UTF-8 JSON) to a recipient's X25519 public key with a fresh
 * ephemeral key pair and iv. Throws on a malformed recipient key or context: both are validated
 * long before this point (recipient registration, id generation), so reaching it is a bug.
 */
export function sealCredential(payload: object, recipientPublicKeyB64: string, ctx: SealContext): SealedCredential {
  const recipient = parseRecipientPublicKey(recipientPublicKeyB64);
  if (!recipient.ok) throw new Error(`cannot seal credential: ${recipient.error.message}`);
  const problem = contextProblem(ctx);
  if (problem !== null) throw new Error(`cannot seal credential: ${problem}`);
  return sealInDomain(payload, recipient.value, credentialDomain(ctx));
}

/** Seals to a public key under a caller-defined domain (see {@link SealDomain}); throws on a malformed key. */
export function sealInDomain(payload: object, recipientPublicKey: Buffer, domain: SealDomain): SealedCredential {
  const { privateKey } = generateKeyPairSync('x25519');
  return sealWith(payload, recipientPublicKey, domain, privateKey, randomBytes(IV_BYTES));
}

/**
 * Deterministic core of {@link sealCredential}, exported only so a known-answer test can pin the
 * byte layout. Never call it with a reused ephemeral key or iv.
 * @internal
 */
export function sealWithEphemeral(
  payload: object,
  recipientPublicKey: Buffer,
  ctx: SealContext,
  ephemeralPrivateKey: Buffer,
  iv: Buffer,
): SealedCredential {
  const problem = contextProblem(ctx);
  if (problem !== null) throw new Error(`cannot seal credential: ${problem}`);
  return sealWith(payload, recipientPublicKey, credentialDomain(ctx), privateKeyObjectFromRaw(ephemeralPrivateKey), iv);
}

/**
 * Opens a sealed credential with the recipient's private key (standard padded base64 of the raw
 * 32 bytes) and returns the plaintext JSON bytes; the caller zeroes them once parsed. Every
 * failure — malformed blob, wrong recipient, changed context, tampered byte — is the same error
 * value, so the answer tells an attacker nothing about which part was wrong.
 */
export function openCredential(sealed: SealedCredential, recipientPrivateKeyB64: string, ctx: SealContext): Result<Buffer, AppError> {
  if (contextProblem(ctx) !== null) return fail(appError('validation_failed', CANNOT_OPEN));
  return openInDomain(sealed, recipientPrivateKeyB64, credentialDomain(ctx));
}

const CANNOT_OPEN = 'sealed credential does not open with this key and context';

/** Opens a blob sealed with {@link sealInDomain}; every failure is the same error value. */
export function openInDomain(sealed: SealedCredential, recipientPrivateKeyB64: string, domain: SealDomain): Result<Buffer, AppError> {
  const cannotOpen = fail(appError('validation_failed', CANNOT_OPEN));
  if (sealed === null || typeof sealed !== 'object' || sealed.alg !== SEAL_ALG) return cannotOpen;
  const epk = decodeExact(sealed.epk, X25519_KEY_BYTES);
  const iv = decodeExact(sealed.iv, IV_BYTES);
  const tag = decodeExact(sealed.tag, TAG_BYTES);
  const ciphertext = typeof sealed.ciphertext === 'string' ? decodeCanonicalBase64(sealed.ciphertext) : null;
  const privateRaw = decodeExact(recipientPrivateKeyB64, X25519_KEY_BYTES);
  if (epk === null || iv === null || tag === null || ciphertext === null || privateRaw === null) return cannotOpen;

  let shared: Buffer | null = null;
  let key: Buffer | null = null;
  try {
    const privateKey = privateKeyObjectFromRaw(privateRaw);
    const recipientPublic = rawPublicKeyOf(privateKey);
    shared = diffieHellman({ privateKey, publicKey: publicKeyObjectFromRaw(epk) });
    key = deriveKey(shared, epk, recipientPublic, domain.info);
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(domain.additionalData);
    decipher.setAuthTag(tag);
    return ok(Buffer.concat([decipher.update(ciphertext), decipher.final()]));
  } catch {
    return cannotOpen;
  } finally {
    privateRaw.fill(0);
    shared?.fill(0);
    key?.fill(0);
  }
}

function sealWith(payload: object, recipientPublicKey: Buffer, domain: SealDomain, ephemeral: KeyObject, iv: Buffer): SealedCredential {
  if (iv.length !== IV_BYTES) throw new Error(`cannot seal credential: iv must be ${IV_BYTES} bytes`);
  const epk = rawPublicKeyOf(ephemeral);
  const shared = diffieHellman({ privateKey: ephemeral, publicKey: publicKeyObjectFromRaw(recipientPublicKey) });
  const key = deriveKey(shared, epk, recipientPublicKey, domain.info);
  const plaintext = Buffer.from(JSON.stringify(payload), 'utf8');
  try {
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(domain.additionalData);
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      alg: SEAL_ALG,
      epk: epk.toString('base64'),
      iv: iv.toString('base64'),
      ciphertext: ciphertext.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
    };
  } finally {
    shared.fill(0);
    key.fill(0);
    plaintext.fill(0);
  }
}

function deriveKey(shared: Buffer, epk: Buffer, recipientPublicKey: Buffer, info: string): Buffer {
  const salt = Buffer.concat([epk, recipientPublicKey]);
  // hkdfSync returns an ArrayBuffer; wrapping it without a copy lets fill(0) wipe the only copy.
  return Buffer.from(hkdfSync('sha256', shared, salt, info, KEY_BYTES));
}

// '|' separates the fields of the additional data; allowing it inside a field would let two
// different contexts produce the same bytes.
function contextProblem(ctx: SealContext): string | null {
  if (ctx === null || typeof ctx !== 'object') return 'context is required';
  for (const field of ['tenantId', 'agentId', 'startId', 'recipientId'] as const) {
    const value: unknown = ctx[field];
    if (typeof value !== 'string' || value.length === 0 || value.includes('|')) return `${field} must be a non-empty string without '|'`;
  }
  return null;
}

function decodeExact(b64: unknown, length: number): Buffer | null {
  if (typeof b64 !== 'string') return null;
  const raw = decodeCanonicalBase64(b64);
  return raw !== null && raw.length === length ? raw : null;
}
