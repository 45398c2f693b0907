import { Inject } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { fail, newId, ok, WebhookOps, WebhookSecretOps, type Result } from '@switchboard/contracts';
import { BusClient, CommandOperation, type UseCase, type UseCaseRequest, type UseCaseResult } from '@switchboard/messaging';
import { TenantQuotas } from '@switchboard/service-runtime';
import { checkEndpoint, EgressPolicy } from '@switchboard/upstream';
import { adminTenant } from '../../shared/tenant-access.js';
import { insertWebhook, webhookView } from '../webhook.queries.js';

type Op = typeof WebhookOps.create;

/**
 * A webhook: its registration here, its signing secret in credentials-service (made, used and destroyed only through
 * WebhookSecretOps). The URL must pass the provider endpoints' egress check for this tenant now (and passes it again
 * at every connection). The quota is checked before the secret is made and decided under its lock in the inserting
 * transaction; a webhook that is not saved after all has its secret destroyed again.
 */
@CommandOperation(WebhookOps.create)
export class CreateWebhookHandler implements UseCase<Op> {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(BusClient) private readonly bus: BusClient,
    @Inject(EgressPolicy) private readonly egress: EgressPolicy,
    @Inject(TenantQuotas) private readonly quotas: TenantQuotas,
  ) {}

  async execute(request: UseCaseRequest<Op>): UseCaseResult<Op> {
    const tenant = adminTenant(request.actor, 'webhooks');
    if (!tenant.ok) return tenant;
    const tenantId = tenant.value;
    const checked = await checkEndpoint(request.url, this.egress, tenantId);
    if (!checked.ok) return fail({ ...checked.error, message: `url: ${checked.error.message}` });
    const db = this.dataSource.manager;
    const room = await this.quotas.precheck(db, tenantId, 'webhooks');
    if (!room.ok) return room;

    const id = newId('webhook');
    const secret = await this.bus.send(WebhookSecretOps.create, { tenantId, webhookId: id, replyKey: request.replyKey });
    if (!secret.ok) return secret;
    const row = { id, tenant_id: tenantId, url: checked.value.url, events: request.events, secret_id: secret.value.secretId, created_at: new Date() };
    const destroySecret = () => this.bus.send(WebhookSecretOps.destroy, { tenantId, secretId: secret.value.secretId });
    let saved: Result<void>;
    try {
      saved = await this.dataSource.transaction(async (tx) => {
        const admitted = await this.quotas.admit(tx, tenantId, 'webhooks');
        if (admitted.ok) await insertWebhook(tx, row);
        return admitted;
      });
    } catch (error) {
      await destroySecret();
      throw error;
    }
    if (!saved.ok) {
      await destroySecret();
      return saved;
    }
    return ok({ ...webhookView(row), sealedSecret: secret.value.sealedSecret });
  }
}
