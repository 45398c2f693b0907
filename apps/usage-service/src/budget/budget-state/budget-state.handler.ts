import { Inject } from '@nestjs/common';
import { BudgetOps, ok } from '@switchboard/contracts';
import { QueryOperation, type UseCase, type UseCaseRequest, type UseCaseResult } from '@switchboard/messaging';
import { readerTenant } from '../../shared/tenant-access.js';
import { BudgetLedger } from '../budget.ledger.js';

type Op = typeof BudgetOps.state;

/**
 * The budget state behind GET /v1/providers/:id/budget and GET /v1/agents/:id/budget (the gateway checked the provider
 * or agent exists in the tenant). The proxy's admission is served apart, straight on NATS (serveBudgetAdmission).
 */
@QueryOperation(BudgetOps.state)
export class BudgetStateHandler implements UseCase<Op> {
  constructor(@Inject(BudgetLedger) private readonly ledger: BudgetLedger) {}

  async execute(request: UseCaseRequest<Op>): UseCaseResult<Op> {
    const tenant = readerTenant(request.actor, 'budgets');
    if (!tenant.ok) return tenant;
    return ok(await this.ledger.state({ tenantId: tenant.value, scope: request.scope, subjectId: request.subjectId, period: request.period }));
  }
}
