import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ProvidersOps } from '@switchboard/contracts';
import { HandleOperation } from '@switchboard/messaging';
import type { OpRequest, OpResult } from '../shared/provider-ops.types.js';
import { CreateTenantHandler } from './create-tenant/create-tenant.handler.js';

@Controller()
export class TenantsController {
  constructor(private readonly createTenant: CreateTenantHandler) {}

  @HandleOperation(ProvidersOps.createTenant)
  create(@Payload() request: OpRequest<'createTenant'>): OpResult<'createTenant'> {
    return this.createTenant.execute(request);
  }
}
