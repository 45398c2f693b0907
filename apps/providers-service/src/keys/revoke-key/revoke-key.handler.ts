import { fail, ok, ProvidersOps } from '@switchboard/contracts';
import { handleCommand, PgEventStore } from '@switchboard/event-store';
import { accessKeyDecider } from '@switchboard/providers-domain';
import { projectInline } from '../../read-models/inline-projection.js';
import { eventMetadata, requireTenant, streamIds } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/provider-ops.types.js';
import { activeKeyExists, keyNotFound } from '../key.queries.js';
import { CommandOperation } from '@switchboard/messaging';

@CommandOperation(ProvidersOps.revokeKey)
export class RevokeKeyHandler implements OperationHandler<'revokeKey'> {
  constructor(private readonly store: PgEventStore) {}

  async execute(request: OpRequest<'revokeKey'>): OpResult<'revokeKey'> {
    const tenant = requireTenant(request.actor);
    if (!tenant.ok) return tenant;
    const { id } = request;
    if (!(await activeKeyExists(this.store.dataSource.manager, tenant.value, id))) return fail(keyNotFound(id));

    const now = new Date();
    const handled = await handleCommand({
      store: this.store,
      decider: accessKeyDecider,
      streamId: streamIds.key(id),
      tenantId: tenant.value,
      command: { type: 'RevokeKey', data: { keyId: id, now } },
      metadata: eventMetadata(request.actor),
      at: now,
      afterAppend: projectInline,
    });
    return handled.ok ? ok({}) : handled;
  }
}
