import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { BudgetOps, ok } from '@switchboard/contracts';
import type { BusNames } from '@switchboard/contracts';
import { serveDirect } from '@switchboard/messaging';
import type { Logger } from '@switchboard/telemetry';
import { BudgetLedger } from './budget.ledger.js';
import type { ServiceIdentity } from '@switchboard/service-identity';

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
