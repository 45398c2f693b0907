import { Inject } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AlertOps, decodeCursor, ok, TimeIdSortKey } from '@switchboard/contracts';
import { QueryOperation, type UseCase, type UseCaseRequest, type UseCaseResult } from '@switchboard/messaging';
import { readerTenant } from '../../shared/tenant-access.js';
import { listAlerts } from '../alerts.queries.js';

type Op = typeof AlertOps.list;

/** GET /v1/alerts: a page of the tenant's alerts, newest first, optionally since a time or of one kind. */
@QueryOperation(AlertOps.list)
export class ListAlertsHandler implements UseCase<Op> {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async execute(request: UseCaseRequest<Op>): UseCaseResult<Op> {
    const tenant = readerTenant(request.actor, 'alerts');
    if (!tenant.ok) return tenant;
    const { since, kind, limit } = request;
    const after = decodeCursor(request.cursor, 'alerts', TimeIdSortKey);
    if (!after.ok) return after;
    return ok(await listAlerts(this.dataSource, tenant.value, { ...(since ? { since } : {}), ...(kind ? { kind } : {}) }, limit, after.value));
  }
}
