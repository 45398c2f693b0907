import { Controller, Inject } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ok, serviceHealth } from '@switchboard/contracts';
import type { ReplyOf, Result } from '@switchboard/contracts';
import { HandleOperation } from '@switchboard/messaging';

export const UsageHealth = serviceHealth('usage');

const PROBE_TIMEOUT_MS = 1000;

/** A health answer must come back even when Postgres hangs, so the probe is bounded. */
export async function postgresReachable(dataSource: DataSource, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  if (!dataSource.isInitialized) return false;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const probe = dataSource.query('select 1').then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([probe, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

@Controller()
export class HealthController {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  @HandleOperation(UsageHealth)
  async health(): Promise<Result<ReplyOf<typeof UsageHealth>>> {
    return ok({ postgres: await postgresReachable(this.dataSource) });
  }
}
