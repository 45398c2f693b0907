import { createHmac } from 'node:crypto';

const MIN_FINGERPRINT_KEY_BYTES = 32;
const MIN_HINT_LENGTH = 12;
const MAX_REVEALED_SHARE = 0.3;
const MAX_TRAILING = 4;
const MAX_PREFIX = 8;
const KNOWN_PREFIX = /^[A-Za-z0-9_]+-/;

/**
 * A stable, non-reversible fingerprint to tell secret versions apart: HMAC-SHA256 under a
 * per-deployment key (at least 32 random bytes, kept like any other secret), first 64 bits in hex.
 * A plain hash would let anyone holding the fingerprint test guesses of a low-entropy value offline.
 */
export function fingerprintOf(value: Buffer, fingerprintKey: Buffer): string {
  if (fingerprintKey.length < MIN_FINGERPRINT_KEY_BYTES) {
    throw new Error(`fingerprint key must be at least ${MIN_FINGERPRINT_KEY_BYTES} bytes`);
  }
  return `hmac-sha256:${createHmac('sha256', fingerprintKey).update(value).digest('hex').slice(0, 16)}`;
}

/**
 * A masked hint such as `sk-…f9Qa`. Invariant: it never reveals more than 30 % of the value and
 * never more than its last 4 characters plus a short known prefix (letters up to the first '-').
 * Values shorter than 12 characters reveal nothing.
 */
export function hintOf(value: string): string {
  const chars = Array.from(value);
  if (chars.length < MIN_HINT_LENGTH) return '…';
  const trailing = Math.min(MAX_TRAILING, Math.floor(chars.length * MAX_REVEALED_SHARE));
  const tail = chars.slice(chars.length - trailing).join('');
  const prefix = KNOWN_PREFIX.exec(value)?.[0] ?? '';
  const keepPrefix = prefix.length > 0 && prefix.length <= MAX_PREFIX && prefix.length + trailing <= chars.length * MAX_REVEALED_SHARE;
  return `${keepPrefix ? prefix : ''}…${tail}`;
}
