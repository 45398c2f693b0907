import { PgEventStore } from '@switchboard/event-store';
import { requireTenant } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/provider-ops.types.js';
import { tenantSettingsView } from '../tenant.queries.js';
import { QueryOperation } from '@switchboard/messaging';
import { ProvidersOps } from '@switchboard/contracts';

@QueryOperation(ProvidersOps.getTenantSettings)
export class GetTenantSettingsHandler implements OperationHandler<'getTenantSettings'> {
  constructor(private readonly store: PgEventStore) {}

  async execute(request: OpRequest<'getTenantSettings'>): OpResult<'getTenantSettings'> {
    const tenant = requireTenant(request.actor);
    if (!tenant.ok) return tenant;
    return tenantSettingsView(this.store.dataSource.manager, tenant.value);
  }
}
