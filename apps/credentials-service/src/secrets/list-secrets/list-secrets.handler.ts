import { decodeCursor, ok, TimeIdSortKey, CredentialsOps } from '@switchboard/contracts';
import { PgEventStore } from '@switchboard/event-store';
import { requireTenant } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/credentials-ops.types.js';
import { secretPage } from '../secret.queries.js';
import { QueryOperation } from '@switchboard/messaging';

@QueryOperation(CredentialsOps.listSecrets)
export class ListSecretsHandler implements OperationHandler<'listSecrets'> {
  constructor(private readonly store: PgEventStore) {}

  async execute(request: OpRequest<'listSecrets'>): OpResult<'listSecrets'> {
    const tenant = requireTenant(request.actor);
    if (!tenant.ok) return tenant;
    const after = decodeCursor(request.cursor, 'secrets', TimeIdSortKey);
    if (!after.ok) return after;
    return ok(await secretPage(this.store.dataSource.manager, tenant.value, request.limit, after.value));
  }
}
