import { appError, fail, newId, ok, type AppError, type Result, ProvidersOps } from '@switchboard/contracts';
import { handleCommand, PgEventStore, versionConflictError, type EventMetadata, type Tx } from '@switchboard/event-store';
import { accessKeyDecider, tenantDecider, type CreateKey } from '@switchboard/providers-domain';
import { projectInline } from '../../read-models/inline-projection.js';
import { eventMetadata, streamIds } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/provider-ops.types.js';
import { CommandOperation } from '@switchboard/messaging';

@CommandOperation(ProvidersOps.createTenant)
export class CreateTenantHandler implements OperationHandler<'createTenant'> {
  constructor(private readonly store: PgEventStore) {}

  async execute(request: OpRequest<'createTenant'>): OpResult<'createTenant'> {
    if (request.actor.role !== 'operator') return fail(appError('forbidden', 'only the operator key creates tenants'));
    const tenantId = newId('tenant');
    const now = new Date();
    const metadata = eventMetadata(request.actor);
    const adminKey: CreateKey = {
      type: 'CreateKey',
      data: {
        keyId: request.adminKeyId,
        name: 'admin',
        role: 'admin',
        agentId: null,
        keyHash: request.adminKeyHash,
        agentExists: false,
        now,
      },
    };
    const handled = await handleCommand({
      store: this.store,
      decider: tenantDecider,
      streamId: streamIds.tenant(tenantId),
      tenantId,
      command: { type: 'CreateTenant', data: { tenantId, name: request.name, now } },
      metadata,
      at: now,
      // A tenant without its admin key would be unreachable, so both commit together or neither does.
      afterAppend: async (tx, events) => {
        const tenantProjected = await projectInline(tx, events);
        if (!tenantProjected.ok) return tenantProjected;
        return this.appendAdminKey(tx, tenantId, adminKey, metadata, now);
      },
    });
    if (!handled.ok) return handled;
    return ok({ id: tenantId, name: request.name, createdAt: now.toISOString(), version: handled.value.version });
  }

  private async appendAdminKey(
    tx: Tx,
    tenantId: string,
    command: CreateKey,
    metadata: EventMetadata,
    at: Date,
  ): Promise<Result<void, AppError>> {
    const decided = accessKeyDecider.decide(command, accessKeyDecider.initialState);
    if (!decided.ok) return decided;
    const appended = await this.store.append(tx, {
      streamId: streamIds.key(command.data.keyId),
      expectedVersion: 0,
      tenantId,
      events: decided.value.map((e) => ({ eventId: newId('event'), type: e.type, data: e.data })),
      metadata,
      at,
    });
    if (!appended.ok) return fail(versionConflictError(appended.error));
    return projectInline(tx, appended.value);
  }
}
