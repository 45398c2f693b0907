import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ProvidersOps } from '@switchboard/contracts';
import { HandleOperation } from '@switchboard/messaging';
import type { OpRequest, OpResult } from '../shared/provider-ops.types.js';
import { CreateTenantHandler } from './create-tenant/create-tenant.handler.js';
import { GetTenantSettingsHandler } from './get-tenant-settings/get-tenant-settings.handler.js';
import { GetTenantQuotasHandler, SetTenantQuotasHandler } from './tenant-quotas/tenant-quotas.handler.js';
import { UpdateTenantSettingsHandler } from './update-tenant-settings/update-tenant-settings.handler.js';

@Controller()
export class TenantsController {
  constructor(
    private readonly createTenant: CreateTenantHandler,
    private readonly getSettings: GetTenantSettingsHandler,
    private readonly updateSettings: UpdateTenantSettingsHandler,
    private readonly getQuotas: GetTenantQuotasHandler,
    private readonly setQuotas: SetTenantQuotasHandler,
  ) {}

  @HandleOperation(ProvidersOps.createTenant)
  create(@Payload() request: OpRequest<'createTenant'>): OpResult<'createTenant'> {
    return this.createTenant.execute(request);
  }

  @HandleOperation(ProvidersOps.getTenantSettings)
  settings(@Payload() request: OpRequest<'getTenantSettings'>): OpResult<'getTenantSettings'> {
    return this.getSettings.execute(request);
  }

  @HandleOperation(ProvidersOps.updateTenantSettings)
  changeSettings(@Payload() request: OpRequest<'updateTenantSettings'>): OpResult<'updateTenantSettings'> {
    return this.updateSettings.execute(request);
  }

  @HandleOperation(ProvidersOps.tenantQuotas)
  quotas(@Payload() request: OpRequest<'tenantQuotas'>): OpResult<'tenantQuotas'> {
    return this.getQuotas.execute(request);
  }

  @HandleOperation(ProvidersOps.setTenantQuotas)
  changeQuotas(@Payload() request: OpRequest<'setTenantQuotas'>): OpResult<'setTenantQuotas'> {
    return this.setQuotas.execute(request);
  }
}
