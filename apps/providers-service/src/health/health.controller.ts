import { Controller } from '@nestjs/common';
import { ProvidersOps, ok } from '@switchboard/contracts';
import { PgEventStore } from '@switchboard/event-store';
import { HandleOperation } from '@switchboard/messaging';
import type { OpResult } from '../shared/provider-ops.types.js';

/** Under the bus client's default timeout, so a hung database reads as `postgres: false`, not as a dead service. */
const PING_TIMEOUT_MS = 2_000;

@Controller()
export class HealthController {
  constructor(private readonly store: PgEventStore) {}

  @HandleOperation(ProvidersOps.health)
  async health(): OpResult<'health'> {
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
