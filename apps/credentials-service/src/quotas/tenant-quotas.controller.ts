import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { appError, CredentialsOps, fail, ok, type Actor, type Result } from '@switchboard/contracts';
import { PgEventStore } from '@switchboard/event-store';
import { HandleOperation } from '@switchboard/messaging';
import { TenantQuotas } from '@switchboard/service-runtime';
import type { OpRequest, OpResult } from '../shared/credentials-ops.types.js';

/** Tenants are providers-service's: the gateway asks it first, so an unknown tenant never gets this far. */
function operatorOnly(actor: Actor): Result<void> {
  return actor.role === 'operator' ? ok(undefined) : fail(appError('forbidden', 'only the operator key reads or sets tenant quotas'));
}

/** The operator's view and overrides of a tenant's secret and recipient quotas (configuration, not events). */
@Controller()
export class TenantQuotasController {
  constructor(
    private readonly store: PgEventStore,
    private readonly quotas: TenantQuotas,
  ) {}

  @HandleOperation(CredentialsOps.tenantQuotas)
  async view(@Payload() request: OpRequest<'tenantQuotas'>): OpResult<'tenantQuotas'> {
    const allowed = operatorOnly(request.actor);
    if (!allowed.ok) return allowed;
    return ok(await this.quotas.view(this.store.dataSource.manager, request.tenantId));
  }

  @HandleOperation(CredentialsOps.setTenantQuotas)
  async set(@Payload() request: OpRequest<'setTenantQuotas'>): OpResult<'setTenantQuotas'> {
    const allowed = operatorOnly(request.actor);
    if (!allowed.ok) return allowed;
    const db = this.store.dataSource.manager;
    const set = await this.quotas.set(db, request.tenantId, request.changes);
    if (!set.ok) return set;
    return ok(await this.quotas.view(db, request.tenantId));
  }
}
