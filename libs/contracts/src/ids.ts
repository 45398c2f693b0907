import { randomBytes } from 'node:crypto';

/** Ids are opaque to clients; the prefix only helps a human reading logs tell kinds apart. */
export const ID_PREFIXES = {
  tenant: 'ten',
  key: 'key',
  provider: 'prv',
  model: 'mdl',
  agent: 'agt',
  secret: 'sec',
  recipient: 'rcp',
  start: 'stt',
  event: 'evt',
  request: 'req',
  alert: 'alr',
  webhook: 'whk',
  webhookSecret: 'whs',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** 20 characters of Crockford base32 = 100 random bits. */
export function newId(kind: IdKind): string {
  const bytes = randomBytes(20);
  let out = '';
  for (const b of bytes) out += ALPHABET[b & 31];
  return `${ID_PREFIXES[kind]}_${out}`;
}

export const ID_PATTERN = /^[a-z]{3}_[0-9a-z]{20}$/;
