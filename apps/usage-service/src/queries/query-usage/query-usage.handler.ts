import { Inject } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ok, resolveUsageWindow, UsageOps } from '@switchboard/contracts';
import { QueryOperation, type UseCase, type UseCaseRequest, type UseCaseResult } from '@switchboard/messaging';
import { readerTenant } from '../../shared/tenant-access.js';
import { USAGE_CLOCK, type UsageClock } from '../../shared/usage.clock.js';
import { queryUsage } from '../usage.queries.js';

type Op = typeof UsageOps.query;

/** GET /v1/usage: the tenant's calls in a window (the current UTC month by default), grouped. */
@QueryOperation(UsageOps.query)
export class QueryUsageHandler implements UseCase<Op> {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(USAGE_CLOCK) private readonly now: UsageClock,
  ) {}

  async execute(request: UseCaseRequest<Op>): UseCaseResult<Op> {
    const tenant = readerTenant(request.actor, 'usage');
    if (!tenant.ok) return tenant;
    const window = resolveUsageWindow(request.from, request.to, this.now());
    if (!window.ok) return window;
    return ok({ data: await queryUsage(this.dataSource, tenant.value, window.value, request.groupBy) });
  }
}
