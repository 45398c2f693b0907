import { Inject } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { fail, ok, WebhookOps } from '@switchboard/contracts';
import { QueryOperation, type UseCase, type UseCaseRequest, type UseCaseResult } from '@switchboard/messaging';
import { readerTenant } from '../../shared/tenant-access.js';
import { liveWebhook, webhookNotFound, webhookView } from '../webhook.queries.js';

type Op = typeof WebhookOps.get;

@QueryOperation(WebhookOps.get)
export class GetWebhookHandler implements UseCase<Op> {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async execute(request: UseCaseRequest<Op>): UseCaseResult<Op> {
    const tenant = readerTenant(request.actor, 'webhooks');
    if (!tenant.ok) return tenant;
    const row = await liveWebhook(this.dataSource.manager, tenant.value, request.id);
    return row === null ? fail(webhookNotFound(request.id)) : ok(webhookView(row));
  }
}
