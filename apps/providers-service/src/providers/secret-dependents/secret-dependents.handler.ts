import { ok, ProvidersOps } from '@switchboard/contracts';
import { PgEventStore } from '@switchboard/event-store';
import { requireTenant } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/provider-ops.types.js';
import { providersUsingSecret } from '../provider.queries.js';
import { QueryOperation } from '@switchboard/messaging';

/** credentials-service asks before deleting a secret; the answer is scoped to the caller's tenant. */
@QueryOperation(ProvidersOps.secretDependents)
export class SecretDependentsHandler implements OperationHandler<'secretDependents'> {
  constructor(private readonly store: PgEventStore) {}

  async execute(request: OpRequest<'secretDependents'>): OpResult<'secretDependents'> {
    const tenant = requireTenant(request.actor);
    if (!tenant.ok) return tenant;
    return ok({ providers: await providersUsingSecret(this.store.dataSource.manager, tenant.value, request.secretId) });
  }
}
