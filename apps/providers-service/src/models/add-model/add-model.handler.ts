import { appError, fail, newId, ok, ProvidersOps } from '@switchboard/contracts';
import { handleCommand, PgEventStore, type Tx } from '@switchboard/event-store';
import { modelDecider } from '@switchboard/providers-domain';
import { TenantQuotas } from '@switchboard/service-runtime';
import { guardedProjection } from '../../read-models/inline-projection.js';
import { eventMetadata, requireTenant, streamIds } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/provider-ops.types.js';
import { liveProviderExists, lockLiveProvider } from '../../providers/provider.queries.js';
import { modelNameTaken, modelNotFound, modelViews } from '../model.queries.js';
import { CommandOperation } from '@switchboard/messaging';

@CommandOperation(ProvidersOps.addModel)
export class AddModelHandler implements OperationHandler<'addModel'> {
  constructor(
    private readonly store: PgEventStore,
    private readonly quotas: TenantQuotas,
  ) {}

  async execute(request: OpRequest<'addModel'>): OpResult<'addModel'> {
    const tenant = requireTenant(request.actor);
    if (!tenant.ok) return tenant;
    const tenantId = tenant.value;
    const { providerId, body } = request;
    const db = this.store.dataSource.manager;
    const providerExists = await liveProviderExists(db, tenantId, providerId);
    if (providerExists && (await modelNameTaken(db, providerId, body.name))) {
      return fail(appError('model_name_taken', `a model named ${body.name} already exists for the provider`));
    }

    const modelId = newId('model');
    const now = new Date();
    const handled = await handleCommand({
      store: this.store,
      decider: modelDecider,
      streamId: streamIds.model(modelId),
      tenantId,
      command: { type: 'AddModel', data: { modelId, providerId, ...body, providerExists, now } },
      metadata: eventMetadata(request.actor),
      at: now,
      // A model added while its provider is being deleted would outlive it; the row lock orders the two. The quota
      // is counted and the model inserted under the tenant's model-quota lock.
      afterAppend: guardedProjection(async (tx: Tx) => {
        const locked = await lockLiveProvider(tx, tenantId, providerId, 'share');
        return locked.ok ? this.quotas.admit(tx, tenantId, 'models') : locked;
      }),
    });
    if (!handled.ok) return handled;
    const [view] = await modelViews(db, tenantId, { id: modelId });
    return view ? ok(view) : fail(modelNotFound(modelId));
  }
}
