import { Module } from '@nestjs/common';
import { AccessGuard } from './access.guard.js';
import { KeyRevocationListener } from './key-revocation.listener.js';
import { KeyResolver } from './key.resolver.js';
import { OperatorKeyBootstrap } from './operator-key.bootstrap.js';
import { PrincipalCache } from './principal.cache.js';

/** Short enough that a missed key.revoked event costs little, long enough that auth is off the bus for hot keys. */
const PRINCIPAL_TTL_MS = 30_000;
const PRINCIPAL_CACHE_ENTRIES = 10_000;

/** Access keys: resolving them (cached), revocation, the operator key; used by management and, later, proxy routes. */
@Module({
  providers: [
    { provide: PrincipalCache, useFactory: () => new PrincipalCache({ ttlMs: PRINCIPAL_TTL_MS, maxEntries: PRINCIPAL_CACHE_ENTRIES }) },
    KeyResolver,
    AccessGuard,
    KeyRevocationListener,
    OperatorKeyBootstrap,
  ],
  exports: [KeyResolver, AccessGuard, OperatorKeyBootstrap],
})
export class AuthModule {}
