import { PgEventStore } from '@switchboard/event-store';
import { requireTenant } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/credentials-ops.types.js';
import { secretView } from '../secret.queries.js';
import { QueryOperation } from '@switchboard/messaging';
import { CredentialsOps } from '@switchboard/contracts';

@QueryOperation(CredentialsOps.getSecret)
export class GetSecretHandler implements OperationHandler<'getSecret'> {
  constructor(private readonly store: PgEventStore) {}

  async execute(request: OpRequest<'getSecret'>): OpResult<'getSecret'> {
    const tenant = requireTenant(request.actor);
    if (!tenant.ok) return tenant;
    return secretView(this.store.dataSource.manager, tenant.value, request.id);
  }
}
