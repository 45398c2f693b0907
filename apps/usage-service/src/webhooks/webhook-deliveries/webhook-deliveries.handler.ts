import { Inject } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { decodeCursor, fail, ok, WebhookOps } from '@switchboard/contracts';
import { QueryOperation, type UseCase, type UseCaseRequest, type UseCaseResult } from '@switchboard/messaging';
import { readerTenant } from '../../shared/tenant-access.js';
import { listAttempts, liveWebhook, webhookNotFound } from '../webhook.queries.js';

type Op = typeof WebhookOps.deliveries;
const DeliveriesSortKey = z.tuple([z.number().int().positive()]);

/** GET /v1/webhooks/:id/deliveries: the delivery log, one row per attempt, newest first. */
@QueryOperation(WebhookOps.deliveries)
export class WebhookDeliveriesHandler implements UseCase<Op> {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async execute(request: UseCaseRequest<Op>): UseCaseResult<Op> {
    const tenant = readerTenant(request.actor, 'webhooks');
    if (!tenant.ok) return tenant;
    if ((await liveWebhook(this.dataSource.manager, tenant.value, request.id)) === null) return fail(webhookNotFound(request.id));
    const before = decodeCursor(request.cursor, 'webhook-deliveries', DeliveriesSortKey);
    if (!before.ok) return before;
    return ok(await listAttempts(this.dataSource.manager, request.id, request.limit, before.value));
  }
}
