import { fail, newId, ProvidersOps } from '@switchboard/contracts';
import { handleCommand, PgEventStore, type Tx } from '@switchboard/event-store';
import { agentDecider } from '@switchboard/providers-domain';
import { TenantQuotas } from '@switchboard/service-runtime';
import { guardedProjection } from '../../read-models/inline-projection.js';
import { eventMetadata, requireTenant, streamIds } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/provider-ops.types.js';
import { liveProviderExists, lockLiveProvider } from '../../providers/provider.queries.js';
import { agentNameTaken, agentNameTakenError, agentView, checkFallbacks } from '../agent.queries.js';
import { lockFallbackProviders } from '../fallback-providers.lock.js';
import { CommandOperation } from '@switchboard/messaging';

@CommandOperation(ProvidersOps.createAgent)
export class CreateAgentHandler implements OperationHandler<'createAgent'> {
  constructor(
    private readonly store: PgEventStore,
    private readonly quotas: TenantQuotas,
  ) {}

  async execute(request: OpRequest<'createAgent'>): OpResult<'createAgent'> {
    const tenant = requireTenant(request.actor);
    if (!tenant.ok) return tenant;
    const tenantId = tenant.value;
    const { body } = request;
    const db = this.store.dataSource.manager;
    const providerExists = await liveProviderExists(db, tenantId, body.providerId);
    if (providerExists && (await agentNameTaken(db, tenantId, body.name))) return fail(agentNameTakenError(body.name));
    const fallbackChecks = await checkFallbacks(db, tenantId, body.fallbacks ?? []);

    const agentId = newId('agent');
    const now = new Date();
    const handled = await handleCommand({
      store: this.store,
      decider: agentDecider,
      streamId: streamIds.agent(agentId),
      tenantId,
      command: { type: 'CreateAgent', data: { agentId, ...body, providerExists, fallbackChecks, now } },
      metadata: eventMetadata(request.actor),
      at: now,
      // Races with the provider's deletion: see lockLiveProvider. The quota is counted under the tenant's agent-quota lock.
      afterAppend: guardedProjection(async (tx: Tx) => {
        const locked = await lockLiveProvider(tx, tenantId, body.providerId, 'share');
        if (!locked.ok) return locked;
        const fallbacksLocked = await lockFallbackProviders(tx, tenantId, body.fallbacks ?? []);
        return fallbacksLocked.ok ? this.quotas.admit(tx, tenantId, 'agents') : fallbacksLocked;
      }),
    });
    if (!handled.ok) return handled;
    return agentView(db, tenantId, agentId);
  }
}
