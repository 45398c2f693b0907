import { Inject } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { WebhookOps } from '@switchboard/contracts';
import { CommandOperation, QueryOperation, type UseCase, type UseCaseRequest, type UseCaseResult } from '@switchboard/messaging';
import { TenantQuotas } from '@switchboard/service-runtime';

/** The operator's view of a tenant's webhook quota (configuration, not events). */
@QueryOperation(WebhookOps.tenantQuotas)
export class GetWebhookQuotasHandler implements UseCase<typeof WebhookOps.tenantQuotas> {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(TenantQuotas) private readonly quotas: TenantQuotas,
  ) {}

  execute(request: UseCaseRequest<typeof WebhookOps.tenantQuotas>): UseCaseResult<typeof WebhookOps.tenantQuotas> {
    return this.quotas.operatorView(this.dataSource.manager, request.actor, request.tenantId);
  }
}

/** The operator's override of that quota; answers it as GetWebhookQuotasHandler does. */
@CommandOperation(WebhookOps.setTenantQuotas)
export class SetWebhookQuotasHandler implements UseCase<typeof WebhookOps.setTenantQuotas> {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(TenantQuotas) private readonly quotas: TenantQuotas,
  ) {}

  execute(request: UseCaseRequest<typeof WebhookOps.setTenantQuotas>): UseCaseResult<typeof WebhookOps.setTenantQuotas> {
    return this.quotas.operatorSet(this.dataSource.manager, request.actor, request.tenantId, request.changes);
  }
}
