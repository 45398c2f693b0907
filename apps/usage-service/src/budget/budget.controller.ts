import { Controller, Inject } from '@nestjs/common';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { Payload } from '@nestjs/microservices';
import { BudgetOps, appError, fail, ok, type ParsedRequestOf, type ReplyOf, type Result } from '@switchboard/contracts';
import type { BusNames } from '@switchboard/contracts';
import { HandleOperation, serveDirect } from '@switchboard/messaging';
import type { Logger } from '@switchboard/telemetry';
import { BudgetLedger } from './budget.ledger.js';
import type { ServiceIdentity } from '@switchboard/service-identity';

type Ops = typeof BudgetOps;
type OpResult<K extends keyof Ops> = Promise<Result<ReplyOf<Ops[K]>>>;

/**
 * The budget state behind GET /v1/providers/:id/budget and GET /v1/agents/:id/budget (the gateway checked
 * the provider or agent exists in the tenant). The proxy's admission is served apart (serveBudgetAdmission).
 */
@Controller()
export class BudgetController {
  constructor(@Inject(BudgetLedger) private readonly ledger: BudgetLedger) {}

  @HandleOperation(BudgetOps.state)
  async state(@Payload() request: ParsedRequestOf<Ops['state']>): OpResult<'state'> {
    const { actor } = request;
    if (actor.tenantId === null || (actor.role !== 'admin' && actor.role !== 'member')) {
      return fail(appError('forbidden', 'only a tenant admin or member key may read budgets'));
    }
    return ok(await this.ledger.state({ tenantId: actor.tenantId, scope: request.scope, subjectId: request.subjectId, period: request.period }));
  }
}

/**
 * The proxy's admission (per-call reservations and leases), on the hot path of budgeted calls: served straight on NATS (no Nest layers), by
 * whichever replica the queue group picks. Internal: the gateway sends ids from its own route, never a client's.
 */
export function serveBudgetAdmission(
  nc: NatsConnection,
  names: BusNames,
  ledger: BudgetLedger,
  logger: Logger,
  identity: ServiceIdentity,
): Subscription[] {
  const options = { queue: names.durable('usage-service'), logger, identity };
  return [
    serveDirect(nc, names, BudgetOps.reserve, async (request) => ok(await ledger.reserve(request)), options),
    serveDirect(nc, names, BudgetOps.lease, async (request) => ok({ grantedUsd: await ledger.lease(request) }), options),
    serveDirect(nc, names, BudgetOps.returnLease, async (request) => ok({ returnedUsd: await ledger.returnLease(request) }), options),
  ];
}
