import { WebhookSecretOps } from '@switchboard/contracts';
import { CommandOperation } from '@switchboard/messaging';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/credentials-ops.types.js';
import { WebhookSecrets } from '../webhook-secrets.service.js';

/** A deleted webhook's secret goes with it. */
@CommandOperation(WebhookSecretOps.destroy)
export class DestroyWebhookSecretHandler implements OperationHandler<'webhookSecretDestroy'> {
  constructor(private readonly secrets: WebhookSecrets) {}

  execute(request: OpRequest<'webhookSecretDestroy'>): OpResult<'webhookSecretDestroy'> {
    return this.secrets.destroy(request);
  }
}
