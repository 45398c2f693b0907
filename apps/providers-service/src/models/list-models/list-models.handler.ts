import { decodeCursor, fail, ok, TimeIdSortKey, ProvidersOps } from '@switchboard/contracts';
import { PgEventStore } from '@switchboard/event-store';
import { requireTenant } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/provider-ops.types.js';
import { liveProviderExists, providerNotFound } from '../../providers/provider.queries.js';
import { modelPage } from '../model.queries.js';
import { QueryOperation } from '@switchboard/messaging';

@QueryOperation(ProvidersOps.listModels)
export class ListModelsHandler implements OperationHandler<'listModels'> {
  constructor(private readonly store: PgEventStore) {}

  async execute(request: OpRequest<'listModels'>): OpResult<'listModels'> {
    const tenant = requireTenant(request.actor);
    if (!tenant.ok) return tenant;
    const db = this.store.dataSource.manager;
    if (!(await liveProviderExists(db, tenant.value, request.providerId))) return fail(providerNotFound(request.providerId));
    const after = decodeCursor(request.cursor, 'models', TimeIdSortKey);
    if (!after.ok) return after;
    return ok(await modelPage(db, tenant.value, request.providerId, request.limit, after.value));
  }
}
