import { appError, fail, ok, ProvidersOps } from '@switchboard/contracts';
import { handleCommand, PgEventStore, type Tx } from '@switchboard/event-store';
import { accessKeyDecider } from '@switchboard/providers-domain';
import { agentNotFound, liveAgentExists, startIsRunning } from '../../agents/agent.queries.js';
import { guardedProjection } from '../../read-models/inline-projection.js';
import { eventMetadata, streamIds } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/provider-ops.types.js';
import { CommandOperation } from '@switchboard/messaging';

/**
 * Called by credentials-service (no actor: it acts for the start, not for a key holder) when it issues a
 * `proxy` credential. Only the key's hash arrives. The key is refused for a start that is unknown or already
 * stopped, checked under the agent's row lock (see StopAgentHandler), so a stop can never miss it. That
 * refusal is agent_not_found too: for this start the agent is gone, and credentials-service turns that code
 * into a denial instead of retrying a request that can never succeed.
 */
@CommandOperation(ProvidersOps.issueAgentKey)
export class IssueAgentKeyHandler implements OperationHandler<'issueAgentKey'> {
  constructor(private readonly store: PgEventStore) {}

  async execute(request: OpRequest<'issueAgentKey'>): OpResult<'issueAgentKey'> {
    const { tenantId, agentId, startId, keyId, keyHash } = request;
    const agentExists = await liveAgentExists(this.store.dataSource.manager, tenantId, agentId);
    const now = new Date();
    const handled = await handleCommand({
      store: this.store,
      decider: accessKeyDecider,
      streamId: streamIds.key(keyId),
      tenantId,
      command: {
        type: 'IssueAgentKey',
        data: { keyId, agentId, startId, keyHash, expiresAt: new Date(request.expiresAt), agentExists, now },
      },
      metadata: eventMetadata(null),
      at: now,
      afterAppend: guardedProjection(async (tx: Tx) => {
        if (!(await liveAgentExists(tx, tenantId, agentId, 'share'))) return fail(agentNotFound(agentId));
        if (!(await startIsRunning(tx, tenantId, agentId, startId))) {
          return fail(appError('agent_not_found', `agent ${agentId} has no running start ${startId}`));
        }
        return ok(undefined);
      }),
    });
    return handled.ok ? ok({ keyId }) : handled;
  }
}
