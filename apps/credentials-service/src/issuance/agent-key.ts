import { createHash, randomBytes } from 'node:crypto';
import { newId } from '@switchboard/contracts';

/** A scoped Switchboard key for `proxy` delivery; only its hash ever leaves this service unsealed. */
export interface AgentKey {
  readonly keyId: string;
  /** `sbk_` + base64url of 32 random bytes: the gateway's access-key format. */
  readonly key: string;
  /** Hex SHA-256 of the key's UTF-8, as the gateway hashes a presented key. */
  readonly keyHash: string;
}

export function newAgentKey(): AgentKey {
  const raw = randomBytes(32);
  const key = `sbk_${raw.toString('base64url')}`;
  raw.fill(0);
  return { keyId: newId('key'), key, keyHash: createHash('sha256').update(key, 'utf8').digest('hex') };
}
