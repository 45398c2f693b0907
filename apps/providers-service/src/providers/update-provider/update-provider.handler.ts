import { appError, fail, ProvidersOps } from '@switchboard/contracts';
import { handleCommand, PgEventStore } from '@switchboard/event-store';
import { providerDecider } from '@switchboard/providers-domain';
import { projectInline } from '../../read-models/inline-projection.js';
import { eventMetadata, requireTenant, streamIds } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/provider-ops.types.js';
import { CONCURRENT_WRITE_RETRIES } from '../../shared/write-retries.js';
import { liveProviderExists, providerHasModel, providerNameTaken, providerNotFound, providerView } from '../provider.queries.js';
import { CommandOperation } from '@switchboard/messaging';

@CommandOperation(ProvidersOps.updateProvider)
export class UpdateProviderHandler implements OperationHandler<'updateProvider'> {
  constructor(private readonly store: PgEventStore) {}

  async execute(request: OpRequest<'updateProvider'>): OpResult<'updateProvider'> {
    const tenant = requireTenant(request.actor);
    if (!tenant.ok) return tenant;
    const tenantId = tenant.value;
    const { id } = request;
    // Credential values become secrets at the gateway first; this service only ever holds a secret's id.
    const { apiKey, customHeaders, ...changes } = request.changes;
    if (apiKey !== undefined || customHeaders !== undefined) {
      return fail(appError('validation_failed', 'apiKey and customHeaders are stored as secrets first; send the secret id'));
    }
    const db = this.store.dataSource.manager;
    if (!(await liveProviderExists(db, tenantId, id))) return fail(providerNotFound(id));
    if (typeof changes.defaultModel === 'string' && !(await providerHasModel(db, tenantId, id, changes.defaultModel))) {
      return fail(
        appError(
          'validation_failed',
          `defaultModel: ${changes.defaultModel} is not a model of provider ${id}; add it (POST /v1/providers/${id}/models) or name one of its models`,
        ),
      );
    }
    if (changes.name !== undefined && (await providerNameTaken(db, tenantId, changes.name, id))) {
      return fail(appError('provider_name_taken', `a provider named ${changes.name} already exists in the tenant`));
    }

    const now = new Date();
    const handled = await handleCommand({
      store: this.store,
      decider: providerDecider,
      streamId: streamIds.provider(id),
      tenantId,
      command: { type: 'UpdateProvider', data: { providerId: id, changes, now } },
      expectedVersion: request.expectedVersion,
      metadata: eventMetadata(request.actor),
      at: now,
      afterAppend: projectInline,
      maxRetries: CONCURRENT_WRITE_RETRIES,
    });
    if (!handled.ok) return handled;
    return providerView(db, tenantId, id);
  }
}
