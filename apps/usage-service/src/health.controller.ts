import { Controller, Inject } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ok, serviceHealth } from '@switchboard/contracts';
import type { ReplyOf, Result } from '@switchboard/contracts';
import { HandleOperation } from '@switchboard/messaging';
import { postgresReachable } from '@switchboard/service-runtime';

export const UsageHealth = serviceHealth('usage');

/** A health answer must come back even when Postgres hangs, so the probe is bounded. */
const PROBE_TIMEOUT_MS = 1000;

@Controller()
export class HealthController {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  @HandleOperation(UsageHealth)
  async health(): Promise<Result<ReplyOf<typeof UsageHealth>>> {
    return ok({ postgres: await postgresReachable(this.dataSource, PROBE_TIMEOUT_MS) });
  }
}
