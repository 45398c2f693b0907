import { fail, ok, ProvidersOps } from '@switchboard/contracts';
import { handleCommand, PgEventStore, type Tx } from '@switchboard/event-store';
import { accessKeyDecider } from '@switchboard/providers-domain';
import { TenantQuotas } from '@switchboard/service-runtime';
import { agentNotFound, liveAgentExists } from '../../agents/agent.queries.js';
import { guardedProjection } from '../../read-models/inline-projection.js';
import { eventMetadata, requireTenant, streamIds } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/provider-ops.types.js';
import { CommandOperation } from '@switchboard/messaging';

@CommandOperation(ProvidersOps.createKey)
export class CreateKeyHandler implements OperationHandler<'createKey'> {
  constructor(
    private readonly store: PgEventStore,
    private readonly quotas: TenantQuotas,
  ) {}

  async execute(request: OpRequest<'createKey'>): OpResult<'createKey'> {
    const tenant = requireTenant(request.actor);
    if (!tenant.ok) return tenant;
    const tenantId = tenant.value;
    const { keyId, keyHash, body } = request;
    const agentId = body.agentId ?? null;
    const agentExists = agentId !== null && (await liveAgentExists(this.store.dataSource.manager, tenantId, agentId));

    const now = new Date();
    const handled = await handleCommand({
      store: this.store,
      decider: accessKeyDecider,
      streamId: streamIds.key(keyId),
      tenantId,
      command: { type: 'CreateKey', data: { keyId, name: body.name, role: body.role, agentId, keyHash, agentExists, now } },
      metadata: eventMetadata(request.actor),
      at: now,
      afterAppend: guardedProjection(async (tx: Tx) => {
        if (agentId !== null && !(await liveAgentExists(tx, tenantId, agentId, 'share'))) return fail(agentNotFound(agentId));
        return this.quotas.admit(tx, tenantId, 'keys');
      }),
    });
    if (!handled.ok) return handled;
    return ok({ id: keyId, name: body.name, role: body.role, agentId, createdAt: now.toISOString(), lastUsedAt: null });
  }
}
