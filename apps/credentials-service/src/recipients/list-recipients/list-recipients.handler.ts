import { decodeCursor, ok, TimeIdSortKey, CredentialsOps } from '@switchboard/contracts';
import { PgEventStore } from '@switchboard/event-store';
import { requireTenant } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/credentials-ops.types.js';
import { recipientPage } from '../recipient.queries.js';
import { QueryOperation } from '@switchboard/messaging';

@QueryOperation(CredentialsOps.listRecipients)
export class ListRecipientsHandler implements OperationHandler<'listRecipients'> {
  constructor(private readonly store: PgEventStore) {}

  async execute(request: OpRequest<'listRecipients'>): OpResult<'listRecipients'> {
    const tenant = requireTenant(request.actor);
    if (!tenant.ok) return tenant;
    const after = decodeCursor(request.cursor, 'recipients', TimeIdSortKey);
    if (!after.ok) return after;
    return ok(await recipientPage(this.store.dataSource.manager, tenant.value, request.limit, after.value));
  }
}
