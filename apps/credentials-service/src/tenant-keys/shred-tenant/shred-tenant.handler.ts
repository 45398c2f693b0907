import { appError, CredentialsOps, fail, ok } from '@switchboard/contracts';
import { CommandOperation } from '@switchboard/messaging';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/credentials-ops.types.js';
import { TenantKeys } from '../tenant-keys.js';

/** The KMS step of DELETE /v1/tenants/:id (the gateway calls it after providers-service began the deletion). */
@CommandOperation(CredentialsOps.shredTenant)
export class ShredTenantHandler implements OperationHandler<'shredTenant'> {
  constructor(private readonly tenantKeys: TenantKeys) {}

  async execute(request: OpRequest<'shredTenant'>): OpResult<'shredTenant'> {
    if (request.actor.role !== 'operator') return fail(appError('forbidden', 'only the operator key deletes tenants'));
    const shredded = await this.tenantKeys.shred(request.tenantId, request.actor);
    if (!shredded.ok) return shredded;
    return ok({ kmsKeyId: shredded.value.keyId, keyDeletionDate: shredded.value.deletionDate });
  }
}
