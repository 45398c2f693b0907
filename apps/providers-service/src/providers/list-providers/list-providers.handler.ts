import { Injectable } from '@nestjs/common';
import { ok } from '@switchboard/contracts';
import { PgEventStore } from '@switchboard/event-store';
import { requireTenant } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/provider-ops.types.js';
import { providerViews } from '../provider.queries.js';

@Injectable()
export class ListProvidersHandler implements OperationHandler<'listProviders'> {
  constructor(private readonly store: PgEventStore) {}

  async execute(request: OpRequest<'listProviders'>): OpResult<'listProviders'> {
    const tenant = requireTenant(request.actor);
    if (!tenant.ok) return tenant;
    return ok({ data: await providerViews(this.store.dataSource.manager, tenant.value) });
  }
}
