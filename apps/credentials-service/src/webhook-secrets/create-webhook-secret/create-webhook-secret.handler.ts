import { WebhookSecretOps } from '@switchboard/contracts';
import { CommandOperation } from '@switchboard/messaging';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/credentials-ops.types.js';
import { WebhookSecrets } from '../webhook-secrets.service.js';

/** A webhook's signing secret, made and stored here; its value leaves once, sealed to the gateway's one-time key. */
@CommandOperation(WebhookSecretOps.create)
export class CreateWebhookSecretHandler implements OperationHandler<'webhookSecretCreate'> {
  constructor(private readonly secrets: WebhookSecrets) {}

  execute(request: OpRequest<'webhookSecretCreate'>): OpResult<'webhookSecretCreate'> {
    return this.secrets.create(request);
  }
}
