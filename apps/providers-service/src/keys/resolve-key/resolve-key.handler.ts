import { appError, fail, ok, ProvidersOps } from '@switchboard/contracts';
import { PgEventStore } from '@switchboard/event-store';
import type { OperationHandler, OpRequest, OpResult } from '../../shared/provider-ops.types.js';
import { isOperatorKey, OPERATOR_PRINCIPAL, tenantPrincipal, touchKey } from '../key.queries.js';
import { QueryOperation } from '@switchboard/messaging';

@QueryOperation(ProvidersOps.resolveKey)
export class ResolveKeyHandler implements OperationHandler<'resolveKey'> {
  constructor(private readonly store: PgEventStore) {}

  async execute(request: OpRequest<'resolveKey'>): OpResult<'resolveKey'> {
    const db = this.store.dataSource.manager;
    if (await isOperatorKey(db, request.keyHash)) return ok(OPERATOR_PRINCIPAL);
    const found = await tenantPrincipal(db, request.keyHash);
    // One answer for unknown, revoked and orphaned keys: the caller learns nothing about which it was.
    if (!found) return fail(appError('unauthorized', 'unknown or revoked key'));
    if (found.stale) await touchKey(db, found.principal.keyId);
    return ok(found.principal);
  }
}
