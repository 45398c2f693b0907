import { CredentialsOps } from '@switchboard/contracts';
import { PgEventStore } from '@switchboard/event-store';
import { CommandOperation, QueryOperation } from '@switchboard/messaging';
import { TenantQuotas } from '@switchboard/service-runtime';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/credentials-ops.types.js';

/**
 * The operator's view of a tenant's secret and recipient quotas (configuration, not events). Tenants are
 * providers-service's: the gateway asks it first, so an unknown tenant never gets this far.
 */
@QueryOperation(CredentialsOps.tenantQuotas)
export class GetTenantQuotasHandler implements OperationHandler<'tenantQuotas'> {
  constructor(
    private readonly store: PgEventStore,
    private readonly quotas: TenantQuotas,
  ) {}

  execute(request: OpRequest<'tenantQuotas'>): OpResult<'tenantQuotas'> {
    return this.quotas.operatorView(this.store.dataSource.manager, request.actor, request.tenantId);
  }
}

/** The operator's overrides of those quotas; answers them as GetTenantQuotasHandler does. */
@CommandOperation(CredentialsOps.setTenantQuotas)
export class SetTenantQuotasHandler implements OperationHandler<'setTenantQuotas'> {
  constructor(
    private readonly store: PgEventStore,
    private readonly quotas: TenantQuotas,
  ) {}

  execute(request: OpRequest<'setTenantQuotas'>): OpResult<'setTenantQuotas'> {
    return this.quotas.operatorSet(this.store.dataSource.manager, request.actor, request.tenantId, request.changes);
  }
}
