import { Inject } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ok, WebhookOps } from '@switchboard/contracts';
import { CommandOperation, QueryOperation, type UseCase, type UseCaseRequest, type UseCaseResult } from '@switchboard/messaging';
import { TenantQuotas } from '@switchboard/service-runtime';
import { operatorOnly } from '../../shared/tenant-access.js';

/** The operator's view of a tenant's webhook quota (configuration, not events). */
@QueryOperation(WebhookOps.tenantQuotas)
export class GetWebhookQuotasHandler implements UseCase<typeof WebhookOps.tenantQuotas> {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(TenantQuotas) private readonly quotas: TenantQuotas,
  ) {}

  async execute(request: UseCaseRequest<typeof WebhookOps.tenantQuotas>): UseCaseResult<typeof WebhookOps.tenantQuotas> {
    const allowed = operatorOnly(request.actor);
    if (!allowed.ok) return allowed;
    return ok(await this.quotas.view(this.dataSource.manager, request.tenantId));
  }
}

/** The operator's override of that quota; answers it as GetWebhookQuotasHandler does. */
@CommandOperation(WebhookOps.setTenantQuotas)
export class SetWebhookQuotasHandler implements UseCase<typeof WebhookOps.setTenantQuotas> {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(TenantQuotas) private readonly quotas: TenantQuotas,
  ) {}

  async execute(request: UseCaseRequest<typeof WebhookOps.setTenantQuotas>): UseCaseResult<typeof WebhookOps.setTenantQuotas> {
    const allowed = operatorOnly(request.actor);
    if (!allowed.ok) return allowed;
    const set = await this.quotas.set(this.dataSource.manager, request.tenantId, request.changes);
    if (!set.ok) return set;
    return ok(await this.quotas.view(this.dataSource.manager, request.tenantId));
  }
}
