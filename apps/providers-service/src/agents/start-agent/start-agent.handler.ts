import { Injectable } from '@nestjs/common';
import { fail, newId, ok } from '@switchboard/contracts';
import { handleCommand, PgEventStore } from '@switchboard/event-store';
import { agentDecider } from '@switchboard/providers-domain';
import { projectInline } from '../../read-models/inline-projection.js';
import { eventMetadata, requireTenant, streamIds } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/provider-ops.types.js';
import { CONCURRENT_WRITE_RETRIES } from '../../shared/write-retries.js';
import { startProviderSnapshot } from '../../providers/provider.queries.js';
import { agentNotFound, agentView } from '../agent.queries.js';

/**
 * Records a start; credentials-service reacts to `agent.start_requested` with credential.issued or
 * credential.denied. The provider snapshot is read together with the agent's version and appended at that
 * version, so a start never carries the provider of an agent that was moved to another one meanwhile.
 */
@Injectable()
export class StartAgentHandler implements OperationHandler<'startAgent'> {
  constructor(private readonly store: PgEventStore) {}

  async execute(request: OpRequest<'startAgent'>): OpResult<'startAgent'> {
    const tenant = requireTenant(request.actor);
    if (!tenant.ok) return tenant;
    const tenantId = tenant.value;
    const { id, recipientId } = request;
    const db = this.store.dataSource.manager;
    const startId = newId('start');

    for (let attempt = 0; ; attempt++) {
      const agent = await agentView(db, tenantId, id);
      if (!agent.ok) return fail(agentNotFound(id));
      const provider = await startProviderSnapshot(db, tenantId, agent.value.providerId, agent.value.model);
      const now = new Date();
      const handled = await handleCommand({
        store: this.store,
        decider: agentDecider,
        streamId: streamIds.agent(id),
        tenantId,
        command: { type: 'StartAgent', data: { agentId: id, startId, recipientId, provider, now } },
        expectedVersion: agent.value.version,
        metadata: eventMetadata(request.actor),
        at: now,
        afterAppend: projectInline,
      });
      if (handled.ok) return ok({ startId });
      if (handled.error.code !== 'version_conflict' || attempt >= CONCURRENT_WRITE_RETRIES) return handled;
    }
  }
}
