import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

export const ED25519_KEY_BYTES = 32;

// RFC 8410 DER header of an Ed25519 SubjectPublicKeyInfo: the raw 32 bytes follow it.
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** A service's identity key pair as files and configuration hold it. */
export interface ServiceKeyPair {
  /** PKCS#8 PEM (what `openssl genpkey -algorithm ed25519` writes); stays with the service. */
  readonly privateKeyPem: string;
  /** base64 (standard, padded) of the raw 32-byte public key: what trust lists and /v1/credential-issuer show. */
  readonly publicKey: string;
  readonly keyId: string;
}

/** The private half, loaded, with what identifies it. */
export interface SigningKey {
  readonly key: KeyObject;
  readonly publicKey: string;
  readonly keyId: string;
}

/** A short, stable name for a public key: `sk_` and 16 characters of its SHA-256 (base64url). */
export function keyIdOf(publicKey: string): string {
  return `sk_${createHash('sha256').update(Buffer.from(publicKey, 'base64')).digest('base64url').slice(0, 16)}`;
}

export function generateServiceKeyPair(): ServiceKeyPair {
  const { privateKey } = generateKeyPairSync('ed25519');
  const publicKey = rawPublicKeyOf(privateKey);
  return { privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), publicKey, keyId: keyIdOf(publicKey) };
}

/** Parses a PKCS#8 PEM Ed25519 private key; throws a message that never quotes the key. */
export function loadSigningKey(pem: string): SigningKey {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new Error('not a PEM private key');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`an Ed25519 key is required, got ${key.asymmetricKeyType ?? 'unknown'}`);
  const publicKey = rawPublicKeyOf(key);
  return { key, publicKey, keyId: keyIdOf(publicKey) };
}

/** Parses base64 (standard, padded) of a raw 32-byte Ed25519 public key; null when it is not one. */
export function parsePublicKey(publicKey: string): KeyObject | null {
  if (typeof publicKey !== 'string') return null;
  const raw = Buffer.from(publicKey, 'base64');
  if (raw.length !== ED25519_KEY_BYTES || raw.toString('base64') !== publicKey) return null;
  try {
    return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
  } catch {
    return null;
  }
}

function rawPublicKeyOf(key: KeyObject): string {
  const der = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return der.subarray(SPKI_PREFIX.length).toString('base64');
}

/** base64 (standard, padded) Ed25519 signature of the UTF-8 text. */
export function signText(key: KeyObject, text: string): string {
  return sign(null, Buffer.from(text, 'utf8'), key).toString('base64');
}

export function verifyText(key: KeyObject, text: string, signature: string): boolean {
  if (typeof signature !== 'string') return false;
  const raw = Buffer.from(signature, 'base64');
  if (raw.length !== 64 || raw.toString('base64') !== signature) return false;
  return verify(null, Buffer.from(text, 'utf8'), key, raw);
}
