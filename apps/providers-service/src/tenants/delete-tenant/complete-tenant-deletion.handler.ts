import { appError, fail, ok, ProvidersOps } from '@switchboard/contracts';
import { handleCommand, PgEventStore } from '@switchboard/event-store';
import { CommandOperation } from '@switchboard/messaging';
import { tenantDecider } from '@switchboard/providers-domain';
import { projectInline } from '../../read-models/inline-projection.js';
import { eventMetadata, streamIds } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/provider-ops.types.js';

/**
 * TenantDeleted, once credentials-service has destroyed the tenant's key: what `tenant.deleted` on the bus promises is
 * that no secret of the tenant decrypts any more. Completing twice records nothing the second time.
 */
@CommandOperation(ProvidersOps.completeTenantDeletion)
export class CompleteTenantDeletionHandler implements OperationHandler<'completeTenantDeletion'> {
  constructor(private readonly store: PgEventStore) {}

  async execute(request: OpRequest<'completeTenantDeletion'>): OpResult<'completeTenantDeletion'> {
    if (request.actor.role !== 'operator') return fail(appError('forbidden', 'only the operator key deletes tenants'));
    const { tenantId, kmsKeyId, keyDeletionDate } = request;
    const now = new Date();
    const handled = await handleCommand({
      store: this.store,
      decider: tenantDecider,
      streamId: streamIds.tenant(tenantId),
      tenantId,
      command: { type: 'CompleteTenantDeletion', data: { tenantId, kmsKeyId, keyDeletionDate, now } },
      metadata: eventMetadata(request.actor),
      at: now,
      afterAppend: projectInline,
    });
    return handled.ok ? ok({}) : handled;
  }
}
