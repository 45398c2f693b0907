import { Inject } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AlertOps, ok } from '@switchboard/contracts';
import { QueryOperation, type UseCase, type UseCaseRequest, type UseCaseResult } from '@switchboard/messaging';
import { readerTenant } from '../../shared/tenant-access.js';
import { getAlertSettings } from '../alerts.queries.js';

type Op = typeof AlertOps.getSettings;

/** The tenant's alert thresholds (the defaults until an admin sets its own) and their version. */
@QueryOperation(AlertOps.getSettings)
export class GetAlertSettingsHandler implements UseCase<Op> {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async execute(request: UseCaseRequest<Op>): UseCaseResult<Op> {
    const tenant = readerTenant(request.actor, 'alerts');
    if (!tenant.ok) return tenant;
    return ok(await getAlertSettings(this.dataSource, tenant.value));
  }
}
