import { Injectable } from '@nestjs/common';
import { ok } from '@switchboard/contracts';
import { PgEventStore } from '@switchboard/event-store';
import { requireTenant } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/provider-ops.types.js';
import { agentViews } from '../agent.queries.js';

@Injectable()
export class ListAgentsHandler implements OperationHandler<'listAgents'> {
  constructor(private readonly store: PgEventStore) {}

  async execute(request: OpRequest<'listAgents'>): OpResult<'listAgents'> {
    const tenant = requireTenant(request.actor);
    if (!tenant.ok) return tenant;
    return ok({ data: await agentViews(this.store.dataSource.manager, tenant.value) });
  }
}
