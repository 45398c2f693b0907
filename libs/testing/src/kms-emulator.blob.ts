import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { KmsFault, type Context } from './kms-emulator.fields.js';

/**
 * The emulator's ciphertext blob: version byte, key id (length-prefixed), IV, GCM tag, ciphertext; the encryption
 * context is the AAD, so a blob opens only with the context it was sealed with.
 */
const BLOB_VERSION = 0x01;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export function sealBlob(keyId: string, material: Buffer, plaintext: Buffer, context: Context): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', material, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(canonical(context));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const id = Buffer.from(keyId, 'utf8');
  return Buffer.concat([Buffer.from([BLOB_VERSION, id.length]), id, iv, cipher.getAuthTag(), ciphertext]).toString('base64');
}

/** The id of the key that sealed `blob`; InvalidCiphertextException when it is no blob of ours. */
export function blobKeyId(blob: Buffer): string {
  if (blob.length < 2 || blob[0] !== BLOB_VERSION || blob.length <= 2 + blob[1] + IV_BYTES + TAG_BYTES) {
    throw new KmsFault('InvalidCiphertextException', 'ciphertext is not a KMS blob');
  }
  return blob.subarray(2, 2 + blob[1]).toString('utf8');
}

export function openBlob(blob: Buffer, material: Buffer, context: Context): Buffer {
  const idEnd = 2 + (blob[1] ?? 0);
  const decipher = createDecipheriv('aes-256-gcm', material, blob.subarray(idEnd, idEnd + IV_BYTES), { authTagLength: TAG_BYTES });
  decipher.setAAD(canonical(context));
  decipher.setAuthTag(blob.subarray(idEnd + IV_BYTES, idEnd + IV_BYTES + TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(blob.subarray(idEnd + IV_BYTES + TAG_BYTES)), decipher.final()]);
  } catch {
    throw new KmsFault('InvalidCiphertextException', 'ciphertext or encryption context does not match');
  }
}

// Same rule as libs/kms canonicalContext (sorted by UTF-8 bytes, u32 length prefixes), kept
// separate because the harness must not depend on the code it tests.
function canonical(context: Context): Buffer {
  const pairs = Object.entries(context).map(([k, v]) => [Buffer.from(k, 'utf8'), Buffer.from(v, 'utf8')] as const);
  pairs.sort(([a], [b]) => Buffer.compare(a, b));
  const u32 = (n: number): Buffer => Buffer.from([n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
  return Buffer.concat([u32(pairs.length), ...pairs.flatMap(([k, v]) => [u32(k.length), k, u32(v.length), v])]);
}
