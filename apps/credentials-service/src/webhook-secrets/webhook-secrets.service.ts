import { Inject, Injectable } from '@nestjs/common';
import { appError, fail, newId, ok, type AppError, type Result } from '@switchboard/contracts';
import { PgEventStore } from '@switchboard/event-store';
import { decryptSecret, encryptSecret, isKmsError, kmsErrorToAppError, type KmsPort } from '@switchboard/kms';
import { parseRecipientPublicKey, sealForTransport } from '@switchboard/sealing';
import type { OpRequest, OpResult } from '../shared/credentials-ops.types.js';
import { KMS } from '../shared/credentials.settings.js';
import { TenantKeys } from '../tenant-keys/tenant-keys.js';
import { deleteWebhookSecret, insertWebhookSecret, readWebhookSecret, webhookSecretContext } from './webhook-secret.repository.js';
import { formatWebhookSecret, newWebhookKey, signWebhookPayload } from './webhook-signature.js';

function kmsFailure(error: unknown): AppError {
  if (!isKmsError(error)) throw error;
  return error.code === 'kms_unavailable' ? kmsErrorToAppError(error) : appError('internal', 'the webhook secret could not be decrypted');
}

const notFound = (id: string) => appError('not_found', `webhook secret ${id} not found`);

/**
 * Webhook signing secrets: made here, kept envelope-encrypted under KMS in their own table (so they are never
 * listed among the tenant's secrets), shown once — sealed to the gateway's one-time key, through usage-service,
 * which cannot open it — and afterwards only used, to sign deliveries. Callers: usage-service alone (see
 * WebhookSecretOps); the tenant comes from usage-service's webhook row, which it took from the gateway's token.
 */
@Injectable()
export class WebhookSecrets {
  constructor(
    @Inject(KMS) private readonly kms: KmsPort,
    private readonly store: PgEventStore,
    private readonly tenantKeys: TenantKeys,
  ) {}

  async create(request: OpRequest<'webhookSecretCreate'>): OpResult<'webhookSecretCreate'> {
    const { tenantId, webhookId, replyKey } = request;
    const parsedKey = parseRecipientPublicKey(replyKey);
    if (!parsedKey.ok) return parsedKey;
    parsedKey.value.fill(0);
    const tenantKey = await this.tenantKeys.keyFor(tenantId);
    if (!tenantKey.ok) return tenantKey;
    const secretId = newId('webhookSecret');
    const key = newWebhookKey();
    try {
      let envelope;
      try {
        envelope = await encryptSecret(this.kms, key, webhookSecretContext(tenantId, secretId), tenantKey.value);
      } catch (error) {
        return fail(kmsFailure(error));
      }
      await insertWebhookSecret(this.store.dataSource.manager, { id: secretId, tenantId, webhookId, envelope, at: new Date() });
      const sealedSecret = sealForTransport({ value: formatWebhookSecret(key) }, replyKey, { purpose: 'webhook.secret', tenantId, subject: webhookId });
      return ok({ secretId, sealedSecret });
    } finally {
      key.fill(0);
    }
  }

  async sign(request: OpRequest<'webhookSecretSign'>): OpResult<'webhookSecretSign'> {
    const { tenantId, secretId, msgId, timestamp, body } = request;
    const opened = await this.open(tenantId, secretId);
    if (!opened.ok) return opened;
    try {
      return ok({ signature: signWebhookPayload(opened.value, msgId, timestamp, body) });
    } finally {
      opened.value.fill(0);
    }
  }

  async destroy(request: OpRequest<'webhookSecretDestroy'>): OpResult<'webhookSecretDestroy'> {
    await deleteWebhookSecret(this.store.dataSource.manager, request.tenantId, request.secretId);
    return ok({});
  }

  private async open(tenantId: string, secretId: string): Promise<Result<Buffer>> {
    const envelope = await readWebhookSecret(this.store.dataSource.manager, tenantId, secretId);
    if (envelope === null) return fail(notFound(secretId));
    try {
      return ok(await decryptSecret(this.kms, envelope, webhookSecretContext(tenantId, secretId)));
    } catch (error) {
      return fail(kmsFailure(error));
    }
  }
}
