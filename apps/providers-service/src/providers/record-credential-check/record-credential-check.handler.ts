import { newId, ok, ProvidersOps } from '@switchboard/contracts';
import { PgEventStore, type Tx } from '@switchboard/event-store';
import { projectInline } from '../../read-models/inline-projection.js';
import { SCHEMA } from '../../read-models/read-models.migrations.js';
import { eventMetadata } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/provider-ops.types.js';
import { CommandOperation } from '@switchboard/messaging';

/**
 * Records what an upstream said of a provider's credential (`provider.credential-checked`) and shows it on the
 * provider. Each check is a stream of its own, like an alert, so checks never contend with each other nor move the
 * provider's version. A verdict on a secret the provider no longer holds (a check that raced a credential change),
 * or on a deleted provider, is dropped: `recorded: false`.
 */
@CommandOperation(ProvidersOps.recordCredentialCheck)
export class RecordCredentialCheckHandler implements OperationHandler<'recordCredentialCheck'> {
  constructor(private readonly store: PgEventStore) {}

  async execute(request: OpRequest<'recordCredentialCheck'>): OpResult<'recordCredentialCheck'> {
    const { tenantId, providerId, secretId, state, source, detail } = request;
    return this.store.transaction(async (tx: Tx) => {
      // FOR SHARE: a credential change or a deletion waits for this check, or this check sees it.
      const rows: { secret_id: string | null }[] = await tx.query(
        `SELECT secret_id FROM ${SCHEMA}.providers WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL FOR SHARE`,
        [providerId, tenantId],
      );
      const row = rows[0];
      if (row === undefined || row.secret_id !== secretId) return ok({ recorded: false });
      const eventId = newId('event');
      const appended = await this.store.append(tx, {
        streamId: `credential-check-${eventId}`,
        expectedVersion: 0,
        tenantId,
        events: [{ eventId, type: 'ProviderCredentialChecked', data: { providerId, secretId, state, source, detail } }],
        metadata: eventMetadata(null),
        at: new Date(),
      });
      // A fresh id names a stream nobody has written to; a conflict means something is badly wrong.
      if (!appended.ok) throw new Error(appended.error.message);
      const projected = await projectInline(tx, appended.value);
      if (!projected.ok) throw new Error(projected.error.message);
      return ok({ recorded: true });
    });
  }
}
