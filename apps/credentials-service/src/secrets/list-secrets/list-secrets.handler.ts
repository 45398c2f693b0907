import { Injectable } from '@nestjs/common';
import { ok } from '@switchboard/contracts';
import { PgEventStore } from '@switchboard/event-store';
import { requireTenant } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/credentials-ops.types.js';
import { secretViews } from '../secret.queries.js';

@Injectable()
export class ListSecretsHandler implements OperationHandler<'listSecrets'> {
  constructor(private readonly store: PgEventStore) {}

  async execute(request: OpRequest<'listSecrets'>): OpResult<'listSecrets'> {
    const tenant = requireTenant(request.actor);
    if (!tenant.ok) return tenant;
    return ok({ data: await secretViews(this.store.dataSource.manager, tenant.value) });
  }
}
