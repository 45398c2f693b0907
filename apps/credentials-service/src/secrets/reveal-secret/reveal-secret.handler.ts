import { fail, ok, CredentialsOps } from '@switchboard/contracts';
import { PgEventStore } from '@switchboard/event-store';
import { parseRecipientPublicKey, sealForTransport, type SealedCredential } from '@switchboard/sealing';
import { requireTenantAdmin } from '../../shared/command-context.js';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/credentials-ops.types.js';
import { handleSecretCommand } from '../secret.commands.js';
import { revealPayloadOf, secretMaterialOf } from '../secret-value.js';
import { SecretVault, vaultError } from '../secret.vault.js';
import { CommandOperation } from '@switchboard/messaging';

/**
 * Admin only, and audited: the value goes back sealed to the one-time key the gateway sent, and only once
 * SecretRevealed (who, which version) has been stored — a reveal that cannot be recorded does not happen.
 */
@CommandOperation(CredentialsOps.revealSecret)
export class RevealSecretHandler implements OperationHandler<'revealSecret'> {
  constructor(
    private readonly store: PgEventStore,
    private readonly vault: SecretVault,
  ) {}

  async execute(request: OpRequest<'revealSecret'>): OpResult<'revealSecret'> {
    const tenant = requireTenantAdmin(request.actor);
    if (!tenant.ok) return tenant;
    const tenantId = tenant.value;
    const { id } = request;
    const replyKey = parseRecipientPublicKey(request.replyKey);
    if (!replyKey.ok) return replyKey;
    replyKey.value.fill(0);

    const opened = await this.vault.openCurrent(tenantId, id);
    if (!opened.ok) return fail(vaultError(opened.error));
    const { kind, version, plaintext } = opened.value;
    let sealedValue: SealedCredential;
    try {
      sealedValue = sealForTransport(revealPayloadOf(secretMaterialOf(kind, plaintext)), request.replyKey, {
        purpose: 'secret.reveal',
        tenantId,
        subject: id,
      });
    } finally {
      plaintext.fill(0);
    }

    const now = new Date();
    const handled = await handleSecretCommand(this.store, tenantId, request.actor, {
      type: 'RecordReveal',
      data: { secretId: id, version, revealedBy: request.actor.keyId, now },
    });
    if (!handled.ok) return handled;
    return ok({ sealedValue, version });
  }
}
