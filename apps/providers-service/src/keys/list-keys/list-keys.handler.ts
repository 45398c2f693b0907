import { decodeCursor, ok, TimeIdSortKey, ProvidersOps } from '@switchboard/contracts';
import { PgEventStore } from '@switchboard/event-store';
import { requireTenant } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/provider-ops.types.js';
import { activeKeyPage } from '../key.queries.js';
import { QueryOperation } from '@switchboard/messaging';

@QueryOperation(ProvidersOps.listKeys)
export class ListKeysHandler implements OperationHandler<'listKeys'> {
  constructor(private readonly store: PgEventStore) {}

  async execute(request: OpRequest<'listKeys'>): OpResult<'listKeys'> {
    const tenant = requireTenant(request.actor);
    if (!tenant.ok) return tenant;
    const after = decodeCursor(request.cursor, 'keys', TimeIdSortKey);
    if (!after.ok) return after;
    return ok(await activeKeyPage(this.store.dataSource.manager, tenant.value, request.limit, after.value));
  }
}
