import { handleCommand, PgEventStore } from '@switchboard/event-store';
import { tenantDecider } from '@switchboard/providers-domain';
import { projectInline } from '../../read-models/inline-projection.js';
import { eventMetadata, requireTenantAdmin, streamIds } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/provider-ops.types.js';
import { CONCURRENT_WRITE_RETRIES } from '../../shared/write-retries.js';
import { tenantSettingsView } from '../tenant.queries.js';
import { CommandOperation } from '@switchboard/messaging';
import { ProvidersOps } from '@switchboard/contracts';

/** Settings live on the tenant's own stream; `tenant.settings_changed` tells the gateways to drop cached routes. */
@CommandOperation(ProvidersOps.updateTenantSettings)
export class UpdateTenantSettingsHandler implements OperationHandler<'updateTenantSettings'> {
  constructor(private readonly store: PgEventStore) {}

  async execute(request: OpRequest<'updateTenantSettings'>): OpResult<'updateTenantSettings'> {
    const tenant = requireTenantAdmin(request.actor);
    if (!tenant.ok) return tenant;
    const tenantId = tenant.value;
    const now = new Date();
    const handled = await handleCommand({
      store: this.store,
      decider: tenantDecider,
      streamId: streamIds.tenant(tenantId),
      tenantId,
      command: { type: 'ChangeTenantSettings', data: { tenantId, changes: request.changes, now } },
      expectedVersion: request.expectedVersion,
      metadata: eventMetadata(request.actor),
      at: now,
      afterAppend: projectInline,
      maxRetries: CONCURRENT_WRITE_RETRIES,
    });
    if (!handled.ok) return handled;
    return tenantSettingsView(this.store.dataSource.manager, tenantId);
  }
}
