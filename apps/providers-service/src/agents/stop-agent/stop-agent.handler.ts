import { fail, ok, ProvidersOps } from '@switchboard/contracts';
import { handleCommand, PgEventStore, type StoredEvent, type Tx } from '@switchboard/event-store';
import { agentDecider } from '@switchboard/providers-domain';
import { projectInline } from '../../read-models/inline-projection.js';
import { eventMetadata, requireTenant, streamIds } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/provider-ops.types.js';
import { CONCURRENT_WRITE_RETRIES } from '../../shared/write-retries.js';
import { startKeyIds } from '../../keys/key.queries.js';
import { agentNotFound, liveAgentExists } from '../agent.queries.js';
import { revokeStartKeys, sameIds, START_KEYS_CHANGED, startKeysChanged } from './start-keys.revocation.js';
import { CommandOperation } from '@switchboard/messaging';

/**
 * Stops an agent: AgentStopped on its stream and KeyRevoked on each key issued at its starts, in one
 * transaction. The agent row is locked FOR UPDATE before the keys are listed again inside the transaction;
 * issueAgentKey locks it FOR SHARE, so a key issued concurrently is either seen here (and the stop retried
 * with it) or refused because its start is stopped.
 *
 * Starts are on streams of their own (agent-start-<startId>) and lock the same row FOR SHARE before they append,
 * so every start positioned before this AgentStopped has committed once the lock is held: the projection stops
 * exactly those (by position), and their keys are among the agent's start keys listed here. A start that commits
 * between the append and the lock is positioned after the stop, a new run; if a key of it was issued meanwhile,
 * the list changed and the stop is retried, positioned after that start.
 */
@CommandOperation(ProvidersOps.stopAgent)
export class StopAgentHandler implements OperationHandler<'stopAgent'> {
  constructor(private readonly store: PgEventStore) {}

  async execute(request: OpRequest<'stopAgent'>): OpResult<'stopAgent'> {
    const tenant = requireTenant(request.actor);
    if (!tenant.ok) return tenant;
    const tenantId = tenant.value;
    const { id } = request;
    const db = this.store.dataSource.manager;
    const metadata = eventMetadata(request.actor);

    for (let attempt = 0; ; attempt++) {
      if (!(await liveAgentExists(db, tenantId, id))) return fail(agentNotFound(id));
      const keyIds = await startKeyIds(db, tenantId, id);
      const now = new Date();
      const handled = await handleCommand({
        store: this.store,
        decider: agentDecider,
        streamId: streamIds.agent(id),
        tenantId,
        command: { type: 'StopAgent', data: { agentId: id, revokedKeyIds: keyIds, now } },
        metadata,
        at: now,
        afterAppend: async (tx: Tx, events: readonly StoredEvent[]) => {
          if (!(await liveAgentExists(tx, tenantId, id, 'update'))) return fail(agentNotFound(id));
          if (!sameIds(await startKeyIds(tx, tenantId, id), keyIds)) return fail(startKeysChanged(id));
          const revoked = await revokeStartKeys(this.store, tx, { tenantId, keyIds, metadata, at: now });
          if (!revoked.ok) return revoked;
          return projectInline(tx, [...events, ...revoked.value]);
        },
        maxRetries: CONCURRENT_WRITE_RETRIES,
      });
      if (handled.ok) return ok({ revokedKeys: keyIds.length });
      const retry = handled.error.details?.['reason'] === START_KEYS_CHANGED && attempt < CONCURRENT_WRITE_RETRIES;
      if (!retry) return handled;
    }
  }
}
