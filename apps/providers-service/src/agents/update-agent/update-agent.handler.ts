import { AgentFallback, fail, ok, ProvidersOps } from '@switchboard/contracts';
import { handleCommand, PgEventStore, type StoredEvent, type Tx } from '@switchboard/event-store';
import { agentDecider } from '@switchboard/providers-domain';
import { guardedProjection } from '../../read-models/inline-projection.js';
import { eventMetadata, requireTenant, streamIds } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/provider-ops.types.js';
import { CONCURRENT_WRITE_RETRIES } from '../../shared/write-retries.js';
import { liveProviderExists, lockLiveProvider } from '../../providers/provider.queries.js';
import { agentNameTaken, agentNameTakenError, agentNotFound, agentView, checkFallbacks, liveAgentExists } from '../agent.queries.js';
import { lockFallbackProviders } from '../fallback-providers.lock.js';
import { CommandOperation } from '@switchboard/messaging';

/** The provider an update moves the agent to, if the recorded change did move it. */
function movedTo(events: readonly StoredEvent[]): string | undefined {
  const changes = events.find((e) => e.type === 'AgentUpdated')?.data['changes'];
  if (typeof changes !== 'object' || changes === null || !('providerId' in changes)) return undefined;
  return typeof changes.providerId === 'string' ? changes.providerId : undefined;
}

/** The fallbacks an update set, if the recorded change did set them. */
function fallbacksSet(events: readonly StoredEvent[]): readonly AgentFallback[] | undefined {
  const changes = events.find((e) => e.type === 'AgentUpdated')?.data['changes'];
  if (typeof changes !== 'object' || changes === null || !('fallbacks' in changes)) return undefined;
  const parsed = AgentFallback.array().safeParse(changes.fallbacks);
  return parsed.success ? parsed.data : undefined;
}

@CommandOperation(ProvidersOps.updateAgent)
export class UpdateAgentHandler implements OperationHandler<'updateAgent'> {
  constructor(private readonly store: PgEventStore) {}

  async execute(request: OpRequest<'updateAgent'>): OpResult<'updateAgent'> {
    const tenant = requireTenant(request.actor);
    if (!tenant.ok) return tenant;
    const tenantId = tenant.value;
    const { id, changes } = request;
    const db = this.store.dataSource.manager;
    if (!(await liveAgentExists(db, tenantId, id))) return fail(agentNotFound(id));
    if (changes.name !== undefined && (await agentNameTaken(db, tenantId, changes.name, id))) {
      return fail(agentNameTakenError(changes.name));
    }
    const providerExists = changes.providerId === undefined || (await liveProviderExists(db, tenantId, changes.providerId));
    const fallbackChecks = await checkFallbacks(db, tenantId, changes.fallbacks ?? []);

    const now = new Date();
    const handled = await handleCommand({
      store: this.store,
      decider: agentDecider,
      streamId: streamIds.agent(id),
      tenantId,
      command: { type: 'UpdateAgent', data: { agentId: id, changes, providerExists, fallbackChecks, now } },
      expectedVersion: request.expectedVersion,
      metadata: eventMetadata(request.actor),
      at: now,
      afterAppend: guardedProjection(async (tx: Tx, events) => {
        const target = movedTo(events);
        const locked = target === undefined ? ok(undefined) : await lockLiveProvider(tx, tenantId, target, 'share');
        return locked.ok ? lockFallbackProviders(tx, tenantId, fallbacksSet(events) ?? []) : locked;
      }),
      maxRetries: CONCURRENT_WRITE_RETRIES,
    });
    if (!handled.ok) return handled;
    return agentView(db, tenantId, id);
  }
}
