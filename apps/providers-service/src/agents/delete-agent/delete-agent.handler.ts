import { fail, ok, ProvidersOps } from '@switchboard/contracts';
import { handleCommand, PgEventStore } from '@switchboard/event-store';
import { agentDecider } from '@switchboard/providers-domain';
import { projectInline } from '../../read-models/inline-projection.js';
import { eventMetadata, requireTenant, streamIds } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/provider-ops.types.js';
import { agentNotFound, liveAgentExists } from '../agent.queries.js';
import { CommandOperation } from '@switchboard/messaging';

@CommandOperation(ProvidersOps.deleteAgent)
export class DeleteAgentHandler implements OperationHandler<'deleteAgent'> {
  constructor(private readonly store: PgEventStore) {}

  async execute(request: OpRequest<'deleteAgent'>): OpResult<'deleteAgent'> {
    const tenant = requireTenant(request.actor);
    if (!tenant.ok) return tenant;
    const { id } = request;
    if (!(await liveAgentExists(this.store.dataSource.manager, tenant.value, id))) return fail(agentNotFound(id));

    const now = new Date();
    const handled = await handleCommand({
      store: this.store,
      decider: agentDecider,
      streamId: streamIds.agent(id),
      tenantId: tenant.value,
      command: { type: 'DeleteAgent', data: { agentId: id, now } },
      expectedVersion: request.expectedVersion,
      metadata: eventMetadata(request.actor),
      at: now,
      afterAppend: projectInline,
    });
    return handled.ok ? ok({}) : handled;
  }
}
