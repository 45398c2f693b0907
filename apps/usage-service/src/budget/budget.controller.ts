import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { BudgetOps, appError, fail, ok, type ParsedRequestOf, type ReplyOf, type Result } from '@switchboard/contracts';
import { HandleOperation } from '@switchboard/messaging';
import { BudgetLedger } from './budget.ledger.js';

type Ops = typeof BudgetOps;
type OpResult<K extends keyof Ops> = Promise<Result<ReplyOf<Ops[K]>>>;

/**
 * The proxy's admission (internal: the gateway sends ids from its own route, never from a client) and the
 * budget state behind GET /v1/providers/:id/budget (the gateway checked the provider exists in the tenant).
 */
@Controller()
export class BudgetController {
  constructor(@Inject(BudgetLedger) private readonly ledger: BudgetLedger) {}

  @HandleOperation(BudgetOps.reserve)
  async reserve(@Payload() request: ParsedRequestOf<Ops['reserve']>): OpResult<'reserve'> {
    return ok(await this.ledger.reserve(request));
  }

  @HandleOperation(BudgetOps.state)
  async state(@Payload() request: ParsedRequestOf<Ops['state']>): OpResult<'state'> {
    const { actor } = request;
    if (actor.tenantId === null || (actor.role !== 'admin' && actor.role !== 'member')) {
      return fail(appError('forbidden', 'only a tenant admin or member key may read budgets'));
    }
    return ok(await this.ledger.state({ tenantId: actor.tenantId, scope: request.scope, subjectId: request.subjectId, period: request.period }));
  }
}
