import { fail, newId, ok, type AppError, ProvidersOps } from '@switchboard/contracts';
import { PgEventStore, versionConflictError } from '@switchboard/event-store';
import { agentStartDecider } from '@switchboard/providers-domain';
import { projectInline } from '../../read-models/inline-projection.js';
import { eventMetadata, requireTenant, streamIds } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/provider-ops.types.js';
import { startProviderSnapshot } from '../../providers/provider.queries.js';
import { lockAgentForStart } from '../agent.queries.js';
import { CommandOperation } from '@switchboard/messaging';

/** Unwinds the start's transaction after its events were appended. */
class Rollback {
  constructor(readonly error: AppError) {}
}

/**
 * Records a start; credentials-service reacts to `agent.start_requested` with credential.issued or
 * credential.denied. Each start is appended to a stream of its own at version 0, so concurrent starts of one
 * agent never contend and a start leaves the agent's version (its ETag) alone.
 *
 * One transaction: the agent's row is locked FOR SHARE first, then the agent and its provider snapshot are
 * read, decided on and appended, and the agent_starts row written. The agent's moves and deletion (their
 * projection UPDATEs the row) and its stop (FOR UPDATE) serialise with that lock, so a start never carries the
 * provider of an agent moved meanwhile, a start of a deleted agent is refused, and a stop sees every start
 * recorded before it (the start's event takes its position after the lock, the stop compares positions).
 */
@CommandOperation(ProvidersOps.startAgent)
export class StartAgentHandler implements OperationHandler<'startAgent'> {
  constructor(private readonly store: PgEventStore) {}

  async execute(request: OpRequest<'startAgent'>): OpResult<'startAgent'> {
    const tenant = requireTenant(request.actor);
    if (!tenant.ok) return tenant;
    const tenantId = tenant.value;
    const { id, recipientId } = request;
    const startId = newId('start');
    const metadata = eventMetadata(request.actor);

    try {
      return await this.store.transaction(async (tx) => {
        const now = new Date();
        // The lock comes first: nothing before it may give the transaction an id or the event a position.
        const agent = await lockAgentForStart(tx, tenantId, id);
        const provider = agent === null ? null : await startProviderSnapshot(tx, tenantId, agent.providerId, agent.model);
        const decided = agentStartDecider.decide(
          {
            type: 'RequestAgentStart',
            data: {
              agentId: id,
              startId,
              recipientId,
              agent: agent === null ? null : { agentId: id, providerId: agent.providerId, delivery: agent.delivery },
              provider,
              now,
            },
          },
          // The start id is new: its stream is empty, and the append at version 0 holds it to that.
          agentStartDecider.initialState,
        );
        if (!decided.ok) return decided;
        const appended = await this.store.append(tx, {
          streamId: streamIds.agentStart(startId),
          expectedVersion: 0,
          tenantId,
          events: decided.value.map((e) => ({ eventId: newId('event'), type: e.type, data: e.data })),
          metadata,
          at: now,
        });
        if (!appended.ok) throw new Rollback(versionConflictError(appended.error));
        const projected = await projectInline(tx, appended.value);
        if (!projected.ok) throw new Rollback(projected.error);
        return ok({ startId });
      });
    } catch (err) {
      if (err instanceof Rollback) return fail(err.error);
      throw err;
    }
  }
}
