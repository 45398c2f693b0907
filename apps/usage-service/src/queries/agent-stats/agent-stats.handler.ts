import { Inject } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ok, UsageOps } from '@switchboard/contracts';
import { QueryOperation, type UseCase, type UseCaseRequest, type UseCaseResult } from '@switchboard/messaging';
import { readerTenant } from '../../shared/tenant-access.js';
import { agentStats } from '../usage.queries.js';

type Op = typeof UsageOps.agentStats;

/** GET /v1/agents/:id/stats. The agent's existence and tenant were checked by the caller (ProvidersOps.getAgent); unknown ids read as zeros. */
@QueryOperation(UsageOps.agentStats)
export class AgentStatsHandler implements UseCase<Op> {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async execute(request: UseCaseRequest<Op>): UseCaseResult<Op> {
    const tenant = readerTenant(request.actor, 'usage');
    if (!tenant.ok) return tenant;
    return ok(await agentStats(this.dataSource, tenant.value, request.agentId));
  }
}
