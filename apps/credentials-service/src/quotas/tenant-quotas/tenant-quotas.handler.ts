import { appError, CredentialsOps, fail, ok, type Actor, type Result } from '@switchboard/contracts';
import { PgEventStore } from '@switchboard/event-store';
import { CommandOperation, QueryOperation } from '@switchboard/messaging';
import { TenantQuotas } from '@switchboard/service-runtime';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/credentials-ops.types.js';

/** Tenants are providers-service's: the gateway asks it first, so an unknown tenant never gets this far. */
function operatorOnly(actor: Actor): Result<void> {
  return actor.role === 'operator' ? ok(undefined) : fail(appError('forbidden', 'only the operator key reads or sets tenant quotas'));
}

/** The operator's view of a tenant's secret and recipient quotas (configuration, not events). */
@QueryOperation(CredentialsOps.tenantQuotas)
export class GetTenantQuotasHandler implements OperationHandler<'tenantQuotas'> {
  constructor(
    private readonly store: PgEventStore,
    private readonly quotas: TenantQuotas,
  ) {}

  async execute(request: OpRequest<'tenantQuotas'>): OpResult<'tenantQuotas'> {
    const allowed = operatorOnly(request.actor);
    if (!allowed.ok) return allowed;
    return ok(await this.quotas.view(this.store.dataSource.manager, request.tenantId));
  }
}

/** The operator's overrides of those quotas; answers them as GetTenantQuotasHandler does. */
@CommandOperation(CredentialsOps.setTenantQuotas)
export class SetTenantQuotasHandler implements OperationHandler<'setTenantQuotas'> {
  constructor(
    private readonly store: PgEventStore,
    private readonly quotas: TenantQuotas,
  ) {}

  async execute(request: OpRequest<'setTenantQuotas'>): OpResult<'setTenantQuotas'> {
    const allowed = operatorOnly(request.actor);
    if (!allowed.ok) return allowed;
    const db = this.store.dataSource.manager;
    const set = await this.quotas.set(db, request.tenantId, request.changes);
    if (!set.ok) return set;
    return ok(await this.quotas.view(db, request.tenantId));
  }
}
