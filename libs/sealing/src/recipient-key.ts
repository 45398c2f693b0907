import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { appError, fail, ok, type AppError, type Result } from '@switchboard/contracts';

export const X25519_KEY_BYTES = 32;

// Fixed ASN.1 headers for X25519 (RFC 8410): Node 20 cannot import or export raw X25519 keys,
// so raw bytes travel through DER with these exact prefixes.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

/** 2^255 - 19; a u-coordinate at or above it is a non-canonical encoding no honest key generator emits. */
const FIELD_PRIME = (1n << 255n) - 19n;

export interface RecipientKeyPair {
  /** base64 (standard, padded) of the raw 32-byte X25519 public key — what `POST /v1/recipients` takes. */
  readonly publicKey: string;
  /** base64 (standard, padded) of the raw 32-byte X25519 private key; stays with the recipient. */
  readonly privateKey: string;
}

export function generateRecipientKeyPair(): RecipientKeyPair {
  const { privateKey } = generateKeyPairSync('x25519');
  const raw = rawPrivateKey(privateKey);
  const pair = { publicKey: rawPublicKeyOf(privateKey).toString('base64'), privateKey: raw.toString('base64') };
  raw.fill(0);
  return pair;
}

/**
 * Parses a recipient public key as registered: canonical padded base64 of exactly 32 bytes.
 * Refuses keys that would make the shared secret predictable (all-zero and other small-order
 * points) so a sealed credential can never be opened without the recipient's private key.
 */
export function parseRecipientPublicKey(b64: string): Result<Buffer, AppError> {
  const raw = decodeCanonicalBase64(b64);
  if (raw === null) return fail(appError('validation_failed', 'publicKey must be standard padded base64'));
  if (raw.length !== X25519_KEY_BYTES) {
    return fail(appError('validation_failed', `publicKey must decode to ${X25519_KEY_BYTES} bytes, got ${raw.length}`));
  }
  if (raw.every((b) => b === 0)) return fail(appError('validation_failed', 'publicKey must not be all zero'));
  if (littleEndianToBigInt(raw) >= FIELD_PRIME) {
    return fail(appError('validation_failed', 'publicKey is not a canonical X25519 key'));
  }
  if (isSmallOrder(raw)) return fail(appError('validation_failed', 'publicKey is a small-order point'));
  return ok(raw);
}

/** Exact base64 round trip: rejects whitespace, missing padding, url-safe alphabet and stray bits. */
export function decodeCanonicalBase64(b64: string): Buffer | null {
  if (typeof b64 !== 'string' || b64.length === 0) return null;
  const raw = Buffer.from(b64, 'base64');
  return raw.toString('base64') === b64 ? raw : null;
}

export function publicKeyObjectFromRaw(raw: Buffer): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

export function privateKeyObjectFromRaw(raw: Buffer): KeyObject {
  const der = Buffer.concat([PKCS8_PREFIX, raw]);
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } finally {
    der.fill(0);
  }
}

export function rawPublicKeyOf(key: KeyObject): Buffer {
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  return Buffer.from(jwk.x ?? '', 'base64url');
}

export function rawPrivateKey(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  return Buffer.from(jwk.d ?? '', 'base64url');
}

// Clamped X25519 scalars are multiples of the cofactor 8, so X25519(k, P) is all-zero for any k
// exactly when P lies in the small subgroup; one DH against a throwaway key tells them apart.
function isSmallOrder(raw: Buffer): boolean {
  const { privateKey } = generateKeyPairSync('x25519');
  try {
    const shared = diffieHellman({ privateKey, publicKey: publicKeyObjectFromRaw(raw) });
    const zero = shared.every((b) => b === 0);
    shared.fill(0);
    return zero;
  } catch {
    // OpenSSL refuses to derive an all-zero secret itself.
    return true;
  }
}

function littleEndianToBigInt(raw: Buffer): bigint {
  return BigInt(`0x${Buffer.from(raw).reverse().toString('hex')}`);
}
