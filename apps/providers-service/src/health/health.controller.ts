import { Controller } from '@nestjs/common';
import { ProvidersOps, ok } from '@switchboard/contracts';
import { PgEventStore } from '@switchboard/event-store';
import { HandleOperation } from '@switchboard/messaging';
import { postgresReachable } from '@switchboard/service-runtime';
import type { OpResult } from '../shared/provider-ops.types.js';

/** Under the bus client's default timeout, so a hung database reads as `postgres: false`, not as a dead service. */
const PING_TIMEOUT_MS = 2_000;

@Controller()
export class HealthController {
  constructor(private readonly store: PgEventStore) {}

  @HandleOperation(ProvidersOps.health)
  async health(): OpResult<'health'> {
    return ok({ postgres: await postgresReachable(this.store.dataSource, PING_TIMEOUT_MS) });
  }
}
