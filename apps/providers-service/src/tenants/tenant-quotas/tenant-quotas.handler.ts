import { appError, fail, ok, type Actor, type Result, ProvidersOps } from '@switchboard/contracts';
import { PgEventStore, type Tx } from '@switchboard/event-store';
import { TenantQuotas } from '@switchboard/service-runtime';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/provider-ops.types.js';
import { SCHEMA } from '../../read-models/read-models.migrations.js';
import { CommandOperation, QueryOperation } from '@switchboard/messaging';

async function operatorOnTenant(db: Tx, actor: Actor, tenantId: string): Promise<Result<void>> {
  if (actor.role !== 'operator') return fail(appError('forbidden', 'only the operator key reads or sets tenant quotas'));
  const rows: unknown[] = await db.query(`SELECT 1 FROM ${SCHEMA}.tenants WHERE id = $1 AND deletion_started_at IS NULL`, [tenantId]);
  return rows.length > 0 ? ok(undefined) : fail(appError('tenant_not_found', `tenant ${tenantId} not found`));
}

/** The operator reads a tenant's quotas of providers, models, agents and keys: limit, its source and what is used. */
@QueryOperation(ProvidersOps.tenantQuotas)
export class GetTenantQuotasHandler implements OperationHandler<'tenantQuotas'> {
  constructor(
    private readonly store: PgEventStore,
    private readonly quotas: TenantQuotas,
  ) {}

  async execute(request: OpRequest<'tenantQuotas'>): OpResult<'tenantQuotas'> {
    const db = this.store.dataSource.manager;
    const allowed = await operatorOnTenant(db, request.actor, request.tenantId);
    if (!allowed.ok) return allowed;
    return ok(await this.quotas.view(db, request.tenantId));
  }
}

/** The operator sets (or, with null, clears) a tenant's own limits; configuration of the deployment, not events. */
@CommandOperation(ProvidersOps.setTenantQuotas)
export class SetTenantQuotasHandler implements OperationHandler<'setTenantQuotas'> {
  constructor(
    private readonly store: PgEventStore,
    private readonly quotas: TenantQuotas,
  ) {}

  async execute(request: OpRequest<'setTenantQuotas'>): OpResult<'setTenantQuotas'> {
    const db = this.store.dataSource.manager;
    const allowed = await operatorOnTenant(db, request.actor, request.tenantId);
    if (!allowed.ok) return allowed;
    const set = await this.quotas.set(db, request.tenantId, request.changes);
    if (!set.ok) return set;
    return ok(await this.quotas.view(db, request.tenantId));
  }
}
