import { Inject, Injectable } from '@nestjs/common';
import { isServiceFault, ProvidersOps, type Principal } from '@switchboard/contracts';
import { BusClient } from '@switchboard/messaging';
import type { GatewayConfig } from '../config/gateway.config.js';
import { GATEWAY_CONFIG } from '../core/core.tokens.js';
import { ApiErrorException } from '../http/api-error.exception.js';
import { ACCESS_KEY_PATTERN, hashAccessKey, sameKeyHash } from './access-key.js';
import { PrincipalCache } from './principal.cache.js';

/** The operator key given in the environment never reaches providers-service, so it has a fixed identity here. */
const NEGATIVE_TTL_MS = 5_000;
const NEGATIVE_CACHE_ENTRIES = 10_000;

export const ENV_OPERATOR_PRINCIPAL: Principal = { keyId: 'operator', tenantId: null, role: 'operator', agentId: null };

/**
 * Presented key → principal. Successful lookups are cached by key hash; failures are not, so a key created
 * a moment ago works at once. A dependency failure is an error (503), never "unknown key" (401).
 */
@Injectable()
export class KeyResolver {
  private readonly operatorKeyHash: string | null;
  private readonly inFlight = new Map<string, Promise<Principal | null>>();
  /** Bumped on every revocation, so a lookup that overlapped one is used once but not cached. */
  private revocations = 0;
  /**
   * Hashes providers-service just said it does not know, each until its expiry: a flood of made-up keys costs one
   * lookup per key and NEGATIVE_TTL_MS, not one per request. A real key is random and new, so none is ever
   * presented before it exists.
   */
  private readonly unknown = new Map<string, number>();

  constructor(
    private readonly bus: BusClient,
    private readonly cache: PrincipalCache,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.operatorKeyHash = config.operatorKey ? hashAccessKey(config.operatorKey) : null;
  }

  resolve(key: string): Promise<Principal | null> {
    const keyHash = hashAccessKey(key);
    if (this.operatorKeyHash !== null && sameKeyHash(keyHash, this.operatorKeyHash)) {
      return Promise.resolve(ENV_OPERATOR_PRINCIPAL);
    }
    if (!ACCESS_KEY_PATTERN.test(key)) return Promise.resolve(null);
    const cached = this.cache.get(keyHash);
    if (cached) return Promise.resolve(cached);
    const unknownUntil = this.unknown.get(keyHash);
    if (unknownUntil !== undefined) {
      if (unknownUntil > Date.now()) return Promise.resolve(null);
      this.unknown.delete(keyHash);
    }
    let pending = this.inFlight.get(keyHash);
    if (!pending) {
      pending = this.lookUp(keyHash).finally(() => this.inFlight.delete(keyHash));
      this.inFlight.set(keyHash, pending);
    }
    return pending;
  }

  private rememberUnknown(keyHash: string): void {
    // Oldest first out: a Map iterates in insertion order.
    if (this.unknown.size >= NEGATIVE_CACHE_ENTRIES) this.unknown.delete(this.unknown.keys().next().value as string);
    this.unknown.set(keyHash, Date.now() + NEGATIVE_TTL_MS);
  }

  /** A revoked key stops working on this replica now, not after the cache TTL. */
  revoked(keyId: string): void {
    this.revocations++;
    this.cache.evictByKeyId(keyId);
  }

  private async lookUp(keyHash: string): Promise<Principal | null> {
    const generation = this.revocations;
    const result = await this.bus.send(ProvidersOps.resolveKey, { keyHash });
    if (!result.ok) {
      if (isServiceFault(result.error)) throw ApiErrorException.of(result.error);
      this.rememberUnknown(keyHash);
      return null;
    }
    if (generation === this.revocations) this.cache.set(keyHash, result.value);
    return result.value;
  }
}
