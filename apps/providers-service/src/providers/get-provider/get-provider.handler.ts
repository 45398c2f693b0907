import { PgEventStore } from '@switchboard/event-store';
import { requireTenant } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/provider-ops.types.js';
import { providerView } from '../provider.queries.js';
import { QueryOperation } from '@switchboard/messaging';
import { ProvidersOps } from '@switchboard/contracts';

@QueryOperation(ProvidersOps.getProvider)
export class GetProviderHandler implements OperationHandler<'getProvider'> {
  constructor(private readonly store: PgEventStore) {}

  async execute(request: OpRequest<'getProvider'>): OpResult<'getProvider'> {
    const tenant = requireTenant(request.actor);
    if (!tenant.ok) return tenant;
    return providerView(this.store.dataSource.manager, tenant.value, request.id);
  }
}
