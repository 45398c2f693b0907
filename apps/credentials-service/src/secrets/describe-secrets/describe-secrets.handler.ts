import { ok, CredentialsOps } from '@switchboard/contracts';
import { PgEventStore } from '@switchboard/event-store';
import { requireTenant } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/credentials-ops.types.js';
import { secretViews } from '../secret.queries.js';
import { QueryOperation } from '@switchboard/messaging';

/** Views of several secrets at once, for providers listing their credentials; unknown or foreign ids are left out. */
@QueryOperation(CredentialsOps.describeSecrets)
export class DescribeSecretsHandler implements OperationHandler<'describeSecrets'> {
  constructor(private readonly store: PgEventStore) {}

  async execute(request: OpRequest<'describeSecrets'>): OpResult<'describeSecrets'> {
    const tenant = requireTenant(request.actor);
    if (!tenant.ok) return tenant;
    if (request.ids.length === 0) return ok({ data: [] });
    return ok({ data: await secretViews(this.store.dataSource.manager, tenant.value, request.ids) });
  }
}
