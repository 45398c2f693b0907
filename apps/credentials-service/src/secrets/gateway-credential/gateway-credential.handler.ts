import { appError, fail, ok, CredentialsOps } from '@switchboard/contracts';
import { parseRecipientPublicKey, sealForTransport, type SealedCredential } from '@switchboard/sealing';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/credentials-ops.types.js';
import { revealPayloadOf, secretMaterialOf } from '../secret-value.js';
import { SecretVault, vaultError } from '../secret.vault.js';
import { QueryOperation } from '@switchboard/messaging';

/**
 * The upstream credential of a provider, for a gateway that proxies calls to it: the current version of the
 * tenant's secret, sealed to the key pair the gateway sent (transport purpose gateway.credential, subject the
 * secret id), so the value is never on the bus in plaintext and opens only with the gateway's private half.
 *
 * Trust: this operation has no actor. It runs only for a request the gateway signed for exactly this payload
 * (CredentialsOps.gatewayCredential's callers: the gateway alone), which the gateway makes after it has
 * authenticated an agent key and taken the tenant from it (and the secret id from that tenant's provider route);
 * in production NATS permissions also let only the gateway's user publish on the subject.
 *
 * Not recorded as SecretRevealed: the value goes to a machine that keeps it in memory to make calls, not to a
 * person, and a fetch on every gateway cache miss would bury the reveals an admin must be able to audit.
 */
@QueryOperation(CredentialsOps.gatewayCredential)
export class GatewayCredentialHandler implements OperationHandler<'gatewayCredential'> {
  constructor(private readonly vault: SecretVault) {}

  async execute(request: OpRequest<'gatewayCredential'>): OpResult<'gatewayCredential'> {
    const { tenantId, secretId } = request;
    // Refuse an unusable reply key before anything is decrypted.
    const replyKey = parseRecipientPublicKey(request.replyKey);
    if (!replyKey.ok) return replyKey;
    replyKey.value.fill(0);

    // Unknown, deleted and other tenants' secrets are all secret_not_found; KMS down is unavailable.
    const opened = await this.vault.openCurrent(tenantId, secretId);
    if (!opened.ok) return fail(vaultError(opened.error));
    const { kind, version, plaintext } = opened.value;
    let sealedValue: SealedCredential;
    try {
      sealedValue = sealForTransport(revealPayloadOf(secretMaterialOf(kind, plaintext)), request.replyKey, {
        purpose: 'gateway.credential',
        tenantId,
        subject: secretId,
      });
    } catch {
      // Stored bytes that are not what their kind says; the message never quotes them.
      return fail(appError('internal', 'the secret value could not be read'));
    } finally {
      plaintext.fill(0);
    }
    return ok({ secretId, version, kind, sealedValue });
  }
}
