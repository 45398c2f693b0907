import { appError, fail, ok, ProvidersOps } from '@switchboard/contracts';
import { handleCommand, PgEventStore, type StoredEvent, type Tx } from '@switchboard/event-store';
import { CommandOperation } from '@switchboard/messaging';
import { tenantDecider } from '@switchboard/providers-domain';
import { projectInline } from '../../read-models/inline-projection.js';
import { eventMetadata, streamIds } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/provider-ops.types.js';
import { CONCURRENT_WRITE_RETRIES } from '../../shared/write-retries.js';
import { revokeEveryKey, stopRunningAgents } from './tenant-deletion.steps.js';

/**
 * The first step of a tenant's deletion, before any data key is destroyed: TenantDeletionStarted, its running agents
 * stopped and every key revoked, in one transaction. From the commit on the tenant is unusable (key resolution also
 * refuses any key of a tenant whose deletion started, such as one issued by a start already in flight). A retry of a
 * deletion that stopped later (KMS down) finds it started and answers ok, so the caller goes on to the next steps.
 */
@CommandOperation(ProvidersOps.beginTenantDeletion)
export class BeginTenantDeletionHandler implements OperationHandler<'beginTenantDeletion'> {
  constructor(private readonly store: PgEventStore) {}

  async execute(request: OpRequest<'beginTenantDeletion'>): OpResult<'beginTenantDeletion'> {
    if (request.actor.role !== 'operator') return fail(appError('forbidden', 'only the operator key deletes tenants'));
    const { tenantId } = request;
    const now = new Date();
    const metadata = eventMetadata(request.actor);
    const handled = await handleCommand({
      store: this.store,
      decider: tenantDecider,
      streamId: streamIds.tenant(tenantId),
      tenantId,
      command: { type: 'StartTenantDeletion', data: { tenantId, now } },
      metadata,
      at: now,
      afterAppend: async (tx: Tx, events: readonly StoredEvent[]) => {
        const step = { store: this.store, tx, tenantId, metadata, at: now };
        const stopped = await stopRunningAgents(step);
        if (!stopped.ok) return stopped;
        const revoked = await revokeEveryKey(step);
        if (!revoked.ok) return revoked;
        return projectInline(tx, [...events, ...stopped.value, ...revoked.value]);
      },
      maxRetries: CONCURRENT_WRITE_RETRIES,
    });
    return handled.ok ? ok({}) : handled;
  }
}
