import { Controller } from '@nestjs/common';
import { CredentialsOps, ok } from '@switchboard/contracts';
import { PgEventStore } from '@switchboard/event-store';
import { HandleOperation } from '@switchboard/messaging';
import type { OpResult } from '../shared/credentials-ops.types.js';

/** Under the bus client's default timeout, so a hung database reads as `postgres: false`, not as a dead service. */
const PING_TIMEOUT_MS = 2_000;

/**
 * Postgres only: a KMS outage makes secret writes and reveals answer `unavailable` (and starts get
 * `kms_unavailable`), but the service itself is up and must stay in the load balancer.
 */
@Controller()
export class HealthController {
  constructor(private readonly store: PgEventStore) {}

  @HandleOperation(CredentialsOps.health)
  async health(): OpResult<'health'> {
    if (!this.store.dataSource.isInitialized) return ok({ postgres: false });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
    });
    const ping = this.store.dataSource.query('SELECT 1').then(
      () => true,
      () => false,
    );
    try {
      return ok({ postgres: await Promise.race([ping, timedOut]) });
    } finally {
      clearTimeout(timer);
    }
  }
}
