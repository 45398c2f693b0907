import { Inject } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AlertOps, appError, fail, ok } from '@switchboard/contracts';
import { CommandOperation, type UseCase, type UseCaseRequest, type UseCaseResult } from '@switchboard/messaging';
import { adminTenant } from '../../shared/tenant-access.js';
import { USAGE_CLOCK, type UsageClock } from '../../shared/usage.clock.js';
import { getAlertSettings, putAlertSettings } from '../alerts.queries.js';

type Op = typeof AlertOps.putSettings;

/** An admin's change of the tenant's alert thresholds, at the version it read (optimistic concurrency). */
@CommandOperation(AlertOps.putSettings)
export class PutAlertSettingsHandler implements UseCase<Op> {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(USAGE_CLOCK) private readonly now: UsageClock,
  ) {}

  async execute(request: UseCaseRequest<Op>): UseCaseResult<Op> {
    const tenant = adminTenant(request.actor, 'alert settings');
    if (!tenant.ok) return tenant;
    const saved = await putAlertSettings(this.dataSource, tenant.value, request.changes, request.expectedVersion, this.now());
    if (saved === null) {
      const current = await getAlertSettings(this.dataSource, tenant.value);
      return fail(appError('version_conflict', `alert settings are at version ${current.version}, expected ${request.expectedVersion}`));
    }
    return ok(saved);
  }
}
