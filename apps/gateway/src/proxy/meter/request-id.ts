import { randomFillSync } from 'node:crypto';
import { ID_PREFIXES } from '@switchboard/contracts';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const ID_CHARS = 20;
/** Random bytes for this many ids are drawn at once: one crypto call per 256 proxied calls instead of one each. */
const POOL_IDS = 256;

const pool = Buffer.allocUnsafe(ID_CHARS * POOL_IDS);
let offset = pool.length;

/**
 * A request id as newId('request') makes it (`req_` + 20 Crockford base32 characters, 100 random bits, matching
 * ID_PATTERN), drawn from a pool of random bytes: randomBytes(20) per call was 1.5–2 % of the gateway's CPU under
 * load. Each pooled byte is used for one id only.
 */
export function newRequestId(): string {
  if (offset + ID_CHARS > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  let out = `${ID_PREFIXES.request}_`;
  for (let i = offset, end = offset + ID_CHARS; i < end; i++) out += ALPHABET[(pool[i] as number) & 31];
  offset += ID_CHARS;
  return out;
}
