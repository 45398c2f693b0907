import { Inject } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { fail, ok, WebhookOps, WebhookSecretOps } from '@switchboard/contracts';
import { BusClient, CommandOperation, type UseCase, type UseCaseRequest, type UseCaseResult } from '@switchboard/messaging';
import { adminTenant } from '../../shared/tenant-access.js';
import { deleteWebhook, liveWebhook, webhookNotFound } from '../webhook.queries.js';

type Op = typeof WebhookOps.delete;

/** The secret is destroyed first: should that fail (503), nothing changed and the same DELETE completes it. */
@CommandOperation(WebhookOps.delete)
export class DeleteWebhookHandler implements UseCase<Op> {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(BusClient) private readonly bus: BusClient,
  ) {}

  async execute(request: UseCaseRequest<Op>): UseCaseResult<Op> {
    const tenant = adminTenant(request.actor, 'webhooks');
    if (!tenant.ok) return tenant;
    const tenantId = tenant.value;
    const row = await liveWebhook(this.dataSource.manager, tenantId, request.id);
    if (row === null) return fail(webhookNotFound(request.id));
    const destroyed = await this.bus.send(WebhookSecretOps.destroy, { tenantId, secretId: row.secret_id });
    if (!destroyed.ok) return destroyed;
    const deleted = await this.dataSource.transaction((tx) => deleteWebhook(tx, tenantId, request.id, new Date()));
    return deleted ? ok({}) : fail(webhookNotFound(request.id));
  }
}
