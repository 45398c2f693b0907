import { Injectable } from '@nestjs/common';
import { ok } from '@switchboard/contracts';
import { PgEventStore } from '@switchboard/event-store';
import { requireTenant } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/credentials-ops.types.js';
import { recipientViews } from '../recipient.queries.js';

@Injectable()
export class ListRecipientsHandler implements OperationHandler<'listRecipients'> {
  constructor(private readonly store: PgEventStore) {}

  async execute(request: OpRequest<'listRecipients'>): OpResult<'listRecipients'> {
    const tenant = requireTenant(request.actor);
    if (!tenant.ok) return tenant;
    return ok({ data: await recipientViews(this.store.dataSource.manager, tenant.value) });
  }
}
