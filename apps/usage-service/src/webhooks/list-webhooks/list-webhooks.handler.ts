import { Inject } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { decodeCursor, ok, TimeIdSortKey, WebhookOps } from '@switchboard/contracts';
import { QueryOperation, type UseCase, type UseCaseRequest, type UseCaseResult } from '@switchboard/messaging';
import { readerTenant } from '../../shared/tenant-access.js';
import { listWebhooks } from '../webhook.queries.js';

type Op = typeof WebhookOps.list;

@QueryOperation(WebhookOps.list)
export class ListWebhooksHandler implements UseCase<Op> {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async execute(request: UseCaseRequest<Op>): UseCaseResult<Op> {
    const tenant = readerTenant(request.actor, 'webhooks');
    if (!tenant.ok) return tenant;
    const after = decodeCursor(request.cursor, 'webhooks', TimeIdSortKey);
    if (!after.ok) return after;
    return ok(await listWebhooks(this.dataSource.manager, tenant.value, request.limit, after.value));
  }
}
