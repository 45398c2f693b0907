import { PgEventStore } from '@switchboard/event-store';
import { requireTenant } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/provider-ops.types.js';
import { agentView } from '../agent.queries.js';
import { QueryOperation } from '@switchboard/messaging';
import { ProvidersOps } from '@switchboard/contracts';

@QueryOperation(ProvidersOps.getAgent)
export class GetAgentHandler implements OperationHandler<'getAgent'> {
  constructor(private readonly store: PgEventStore) {}

  async execute(request: OpRequest<'getAgent'>): OpResult<'getAgent'> {
    const tenant = requireTenant(request.actor);
    if (!tenant.ok) return tenant;
    return agentView(this.store.dataSource.manager, tenant.value, request.id);
  }
}
