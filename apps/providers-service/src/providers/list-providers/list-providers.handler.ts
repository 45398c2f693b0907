import { decodeCursor, ok, TimeIdSortKey, ProvidersOps } from '@switchboard/contracts';
import { PgEventStore } from '@switchboard/event-store';
import { requireTenant } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/provider-ops.types.js';
import { providerPage } from '../provider.queries.js';
import { QueryOperation } from '@switchboard/messaging';

@QueryOperation(ProvidersOps.listProviders)
export class ListProvidersHandler implements OperationHandler<'listProviders'> {
  constructor(private readonly store: PgEventStore) {}

  async execute(request: OpRequest<'listProviders'>): OpResult<'listProviders'> {
    const tenant = requireTenant(request.actor);
    if (!tenant.ok) return tenant;
    const after = decodeCursor(request.cursor, 'providers', TimeIdSortKey);
    if (!after.ok) return after;
    return ok(await providerPage(this.store.dataSource.manager, tenant.value, request.limit, after.value));
  }
}
