import { fail, ok, ProvidersOps } from '@switchboard/contracts';
import { handleCommand, PgEventStore, type Tx } from '@switchboard/event-store';
import { providerDecider, providerInUse } from '@switchboard/providers-domain';
import { guardedProjection } from '../../read-models/inline-projection.js';
import { eventMetadata, requireTenant, streamIds } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/provider-ops.types.js';
import { liveProviderExists, lockLiveProvider, providerDependents, providerNotFound } from '../provider.queries.js';
import { CommandOperation } from '@switchboard/messaging';

@CommandOperation(ProvidersOps.deleteProvider)
export class DeleteProviderHandler implements OperationHandler<'deleteProvider'> {
  constructor(private readonly store: PgEventStore) {}

  async execute(request: OpRequest<'deleteProvider'>): OpResult<'deleteProvider'> {
    const tenant = requireTenant(request.actor);
    if (!tenant.ok) return tenant;
    const tenantId = tenant.value;
    const { id } = request;
    const db = this.store.dataSource.manager;
    if (!(await liveProviderExists(db, tenantId, id))) return fail(providerNotFound(id));
    if (request.dryRun) {
      const { agents, models } = await providerDependents(db, id);
      return ok({ dependents: { agents: [...agents], models: [...models] } });
    }

    const now = new Date();
    const handled = await handleCommand({
      store: this.store,
      decider: providerDecider,
      streamId: streamIds.provider(id),
      tenantId,
      command: { type: 'DeleteProvider', data: { providerId: id, dependents: await providerDependents(db, id), now } },
      expectedVersion: request.expectedVersion,
      metadata: eventMetadata(request.actor),
      at: now,
      // The dependents above were read before the transaction; an agent created since then is found here,
      // under the provider's row lock, which agent creation takes too.
      afterAppend: guardedProjection(async (tx: Tx) => {
        const locked = await lockLiveProvider(tx, tenantId, id, 'update');
        if (!locked.ok) return locked;
        const dependents = await providerDependents(tx, id);
        return dependents.agents.length > 0 ? fail(providerInUse(id, dependents)) : ok(undefined);
      }),
    });
    return handled.ok ? ok({}) : handled;
  }
}
