import { WebhookSecretOps } from '@switchboard/contracts';
import { QueryOperation } from '@switchboard/messaging';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/credentials-ops.types.js';
import { WebhookSecrets } from '../webhook-secrets.service.js';

/** The Standard Webhooks signature of one delivery, made with the webhook's secret, which never leaves this service. */
@QueryOperation(WebhookSecretOps.sign)
export class SignWebhookPayloadHandler implements OperationHandler<'webhookSecretSign'> {
  constructor(private readonly secrets: WebhookSecrets) {}

  execute(request: OpRequest<'webhookSecretSign'>): OpResult<'webhookSecretSign'> {
    return this.secrets.sign(request);
  }
}
