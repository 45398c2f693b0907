import { PgEventStore } from '@switchboard/event-store';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/provider-ops.types.js';
import { agentRoute } from './agent-route.queries.js';
import { QueryOperation } from '@switchboard/messaging';
import { ProvidersOps } from '@switchboard/contracts';

/**
 * Called by the gateway's proxy on a route-cache miss (no actor: the caller is the gateway, which has already
 * resolved the agent key; the tenant is that key's). Scoped to that tenant: another tenant's agent is
 * agent_not_found, like an unknown or deleted one. Read-only, so any replica answers from its read model.
 */
@QueryOperation(ProvidersOps.resolveAgentRoute)
export class ResolveAgentRouteHandler implements OperationHandler<'resolveAgentRoute'> {
  constructor(private readonly store: PgEventStore) {}

  execute(request: OpRequest<'resolveAgentRoute'>): OpResult<'resolveAgentRoute'> {
    return agentRoute(this.store.dataSource.manager, request.tenantId, request.agentId);
  }
}
