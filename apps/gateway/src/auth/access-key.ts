import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** `sbk_` + base64url of 32 random bytes (43 characters, no padding). */
export const ACCESS_KEY_PATTERN = /^sbk_[A-Za-z0-9_-]{43}$/;

export function generateAccessKey(): string {
  return `sbk_${randomBytes(32).toString('base64url')}`;
}

/** Keys have 256 bits of entropy, so a plain SHA-256 is enough; no slow KDF needed on the hot path. */
export function hashAccessKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Constant time over the (fixed-length) hex digests, so response timing says nothing about the operator key. */
export function sameKeyHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}

/** Pulls the key out of `Authorization: Bearer <key>`; anything else is no key at all. */
export function bearerKey(header: string | string[] | undefined): string | null {
  if (typeof header !== 'string') return null;
  const match = /^Bearer[ \t]+(\S{1,512})[ \t]*$/i.exec(header);
  return match ? match[1] : null;
}
