import { decodeCursor, ok, TimeIdSortKey, ProvidersOps } from '@switchboard/contracts';
import { PgEventStore } from '@switchboard/event-store';
import { requireTenant } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/provider-ops.types.js';
import { agentPage } from '../agent.queries.js';
import { QueryOperation } from '@switchboard/messaging';

@QueryOperation(ProvidersOps.listAgents)
export class ListAgentsHandler implements OperationHandler<'listAgents'> {
  constructor(private readonly store: PgEventStore) {}

  async execute(request: OpRequest<'listAgents'>): OpResult<'listAgents'> {
    const tenant = requireTenant(request.actor);
    if (!tenant.ok) return tenant;
    const after = decodeCursor(request.cursor, 'agents', TimeIdSortKey);
    if (!after.ok) return after;
    return ok(await agentPage(this.store.dataSource.manager, tenant.value, request.limit, after.value));
  }
}
