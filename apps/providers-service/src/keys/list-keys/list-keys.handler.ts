import { Injectable } from '@nestjs/common';
import { ok } from '@switchboard/contracts';
import { PgEventStore } from '@switchboard/event-store';
import { requireTenant } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/provider-ops.types.js';
import { activeKeyViews } from '../key.queries.js';

@Injectable()
export class ListKeysHandler implements OperationHandler<'listKeys'> {
  constructor(private readonly store: PgEventStore) {}

  async execute(request: OpRequest<'listKeys'>): OpResult<'listKeys'> {
    const tenant = requireTenant(request.actor);
    if (!tenant.ok) return tenant;
    return ok({ data: await activeKeyViews(this.store.dataSource.manager, tenant.value) });
  }
}
