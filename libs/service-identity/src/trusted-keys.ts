import type { KeyObject } from 'node:crypto';
import { SERVICE_NAMES, isServiceName, type ServiceName } from '@switchboard/contracts';
import { keyIdOf, parsePublicKey } from './ed25519.js';

export interface TrustedKey {
  readonly service: ServiceName;
  readonly keyId: string;
  /** base64 of the raw 32 bytes. */
  readonly publicKey: string;
  readonly key: KeyObject;
}

/** Two at a time is what a rotation needs (old and new); a few more leave room for an overlap gone long. */
export const MAX_KEYS_PER_SERVICE = 4;

/**
 * The public keys each service's requests, replies and statements are checked against: JSON
 * `{"gateway": ["<base64>", …], "providers": […], "credentials": […], "usage": […]}`. A service missing from the
 * list is trusted by nobody.
 */
export class TrustedKeys {
  private readonly byService: ReadonlyMap<ServiceName, readonly TrustedKey[]>;

  private constructor(keys: readonly TrustedKey[]) {
    this.byService = new Map(SERVICE_NAMES.map((service) => [service, keys.filter((k) => k.service === service)]));
  }

  /** Throws with a message naming the service and position of a bad entry (public keys are not secret). */
  static parse(value: unknown): TrustedKeys {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new Error('trusted keys must be a JSON object of service name → list of base64 public keys');
    }
    const keys: TrustedKey[] = [];
    for (const [service, list] of Object.entries(value)) {
      if (!isServiceName(service)) throw new Error(`trusted keys: unknown service "${service}" (known: ${SERVICE_NAMES.join(', ')})`);
      if (!Array.isArray(list) || list.length === 0 || list.length > MAX_KEYS_PER_SERVICE) {
        throw new Error(`trusted keys: ${service} must list 1 to ${MAX_KEYS_PER_SERVICE} public keys`);
      }
      list.forEach((publicKey: unknown, index) => {
        const key = typeof publicKey === 'string' ? parsePublicKey(publicKey) : null;
        if (key === null || typeof publicKey !== 'string') {
          throw new Error(`trusted keys: ${service}[${index}] is not base64 of a raw 32-byte Ed25519 public key`);
        }
        keys.push({ service, keyId: keyIdOf(publicKey), publicKey, key });
      });
    }
    return new TrustedKeys(keys);
  }

  find(service: ServiceName, keyId: string): TrustedKey | undefined {
    return this.byService.get(service)?.find((k) => k.keyId === keyId);
  }

  keysOf(service: ServiceName): readonly TrustedKey[] {
    return this.byService.get(service) ?? [];
  }

  toJSON(): Partial<Record<ServiceName, string[]>> {
    const out: Partial<Record<ServiceName, string[]>> = {};
    for (const [service, keys] of this.byService) if (keys.length > 0) out[service] = keys.map((k) => k.publicKey);
    return out;
  }
}
