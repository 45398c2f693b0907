import { fail, ok, ProvidersOps } from '@switchboard/contracts';
import { handleCommand, PgEventStore } from '@switchboard/event-store';
import { modelDecider } from '@switchboard/providers-domain';
import { projectInline } from '../../read-models/inline-projection.js';
import { eventMetadata, requireTenant, streamIds } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/provider-ops.types.js';
import { modelNotFound, modelViews } from '../model.queries.js';
import { CommandOperation } from '@switchboard/messaging';

@CommandOperation(ProvidersOps.removeModel)
export class RemoveModelHandler implements OperationHandler<'removeModel'> {
  constructor(private readonly store: PgEventStore) {}

  async execute(request: OpRequest<'removeModel'>): OpResult<'removeModel'> {
    const tenant = requireTenant(request.actor);
    if (!tenant.ok) return tenant;
    const { id } = request;
    // Models of a deleted provider are gone from the read model too, so they are not found either.
    const [model] = await modelViews(this.store.dataSource.manager, tenant.value, { id });
    if (!model) return fail(modelNotFound(id));

    const now = new Date();
    const handled = await handleCommand({
      store: this.store,
      decider: modelDecider,
      streamId: streamIds.model(id),
      tenantId: tenant.value,
      command: { type: 'RemoveModel', data: { modelId: id, now } },
      metadata: eventMetadata(request.actor),
      at: now,
      afterAppend: projectInline,
    });
    return handled.ok ? ok({}) : handled;
  }
}
