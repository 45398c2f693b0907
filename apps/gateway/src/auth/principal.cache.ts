import type { Principal } from '@switchboard/contracts';

export interface PrincipalCacheOptions {
  readonly ttlMs: number;
  readonly maxEntries: number;
  readonly now?: () => number;
}

interface Entry {
  readonly principal: Principal;
  readonly expiresAt: number;
}

/**
 * Resolved keys by key hash. The TTL bounds how long a revocation can go unnoticed when its
 * `key.revoked` event is missed (e.g. during a NATS reconnect); evictByKeyId handles the usual case.
 * Bounded: the oldest insertion goes first (Map keeps insertion order).
 */
export class PrincipalCache {
  private readonly byHash = new Map<string, Entry>();
  private readonly hashesByKeyId = new Map<string, Set<string>>();
  private readonly now: () => number;

  constructor(private readonly options: PrincipalCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.byHash.size;
  }

  get(keyHash: string): Principal | undefined {
    const entry = this.byHash.get(keyHash);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.delete(keyHash, entry.principal.keyId);
      return undefined;
    }
    return entry.principal;
  }

  set(keyHash: string, principal: Principal): void {
    const previous = this.byHash.get(keyHash);
    if (previous) this.delete(keyHash, previous.principal.keyId);
    while (this.byHash.size >= this.options.maxEntries) {
      const oldest = this.byHash.entries().next().value;
      if (!oldest) break;
      this.delete(oldest[0], oldest[1].principal.keyId);
    }
    this.byHash.set(keyHash, { principal, expiresAt: this.now() + this.options.ttlMs });
    const hashes = this.hashesByKeyId.get(principal.keyId) ?? new Set<string>();
    hashes.add(keyHash);
    this.hashesByKeyId.set(principal.keyId, hashes);
  }

  evictByKeyId(keyId: string): void {
    for (const hash of this.hashesByKeyId.get(keyId) ?? []) this.byHash.delete(hash);
    this.hashesByKeyId.delete(keyId);
  }

  clear(): void {
    this.byHash.clear();
    this.hashesByKeyId.clear();
  }

  private delete(keyHash: string, keyId: string): void {
    this.byHash.delete(keyHash);
    const hashes = this.hashesByKeyId.get(keyId);
    hashes?.delete(keyHash);
    if (hashes?.size === 0) this.hashesByKeyId.delete(keyId);
  }
}
