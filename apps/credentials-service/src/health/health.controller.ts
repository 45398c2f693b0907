import { Controller } from '@nestjs/common';
import { CredentialsOps, ok } from '@switchboard/contracts';
import { PgEventStore } from '@switchboard/event-store';
import { HandleOperation } from '@switchboard/messaging';
import { postgresReachable } from '@switchboard/service-runtime';
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
    return ok({ postgres: await postgresReachable(this.store.dataSource, PING_TIMEOUT_MS) });
  }
}
