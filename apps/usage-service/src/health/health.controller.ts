import { Controller, Inject } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ok, serviceHealth, type ReplyOf, type Result } from '@switchboard/contracts';
import { HandleOperation } from '@switchboard/messaging';
import { postgresReachable } from '@switchboard/service-runtime';

export const UsageHealth = serviceHealth('usage');

/** Under the bus client's default timeout, so a hung database reads as `postgres: false`, not as a dead service. */
const PING_TIMEOUT_MS = 2_000;

@Controller()
export class HealthController {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  @HandleOperation(UsageHealth)
  async health(): Promise<Result<ReplyOf<typeof UsageHealth>>> {
    return ok({ postgres: await postgresReachable(this.dataSource, PING_TIMEOUT_MS) });
  }
}
