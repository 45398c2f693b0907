import { appError, fail, newId, CredentialsOps } from '@switchboard/contracts';
import { recipientDecider } from '@switchboard/credentials-domain';
import { handleCommand, PgEventStore, type StoredEvent, type Tx } from '@switchboard/event-store';
import { TenantQuotas } from '@switchboard/service-runtime';
import { parseRecipientPublicKey } from '@switchboard/sealing';
import { projectInline } from '../../read-models/inline-projection.js';
import { eventMetadata, requireTenantAdmin, streamIds } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/credentials-ops.types.js';
import { recipientViews } from '../recipient.queries.js';
import { CommandOperation } from '@switchboard/messaging';

/** A key that credentials may be sealed to. Small-order and non-canonical keys are refused: they would make a seal openable by anyone. */
@CommandOperation(CredentialsOps.registerRecipient)
export class RegisterRecipientHandler implements OperationHandler<'registerRecipient'> {
  constructor(
    private readonly store: PgEventStore,
    private readonly quotas: TenantQuotas,
  ) {}

  async execute(request: OpRequest<'registerRecipient'>): OpResult<'registerRecipient'> {
    const tenant = requireTenantAdmin(request.actor);
    if (!tenant.ok) return tenant;
    const tenantId = tenant.value;
    const { name, publicKey } = request;
    const key = parseRecipientPublicKey(publicKey);
    if (!key.ok) return fail(appError('validation_failed', `publicKey: ${key.error.message.replace(/^publicKey /, '')}`));

    const recipientId = newId('recipient');
    const now = new Date();
    const handled = await handleCommand({
      store: this.store,
      decider: recipientDecider,
      streamId: streamIds.recipient(recipientId),
      tenantId,
      command: { type: 'RegisterRecipient', data: { recipientId, name, publicKey, now } },
      metadata: eventMetadata(request.actor),
      at: now,
      // Counted and inserted under the tenant's recipient-quota lock: two registrations at the limit cannot both pass.
      afterAppend: async (tx: Tx, events: readonly StoredEvent[]) => {
        const admitted = await this.quotas.admit(tx, tenantId, 'recipients');
        return admitted.ok ? projectInline(tx, events) : admitted;
      },
    });
    if (!handled.ok) return handled;
    const [view] = await recipientViews(this.store.dataSource.manager, tenantId, recipientId);
    return view ? { ok: true, value: view } : fail(appError('internal', `recipient ${recipientId} was not projected`));
  }
}
