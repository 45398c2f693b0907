import { BudgetOps, type ReplyOf, type RequestOf, type Result } from '@switchboard/contracts';
import type { DirectClient } from '@switchboard/messaging';

type Ask<O extends typeof BudgetOps.reserve | typeof BudgetOps.lease | typeof BudgetOps.returnLease> = (request: RequestOf<O>) => Promise<Result<ReplyOf<O>>>;

/** usage-service's budget ledger, as the proxy's admission asks it: one request per reservation, lease or return. */
export interface BudgetLedger {
  readonly reserve: Ask<typeof BudgetOps.reserve>;
  readonly lease: Ask<typeof BudgetOps.lease>;
  readonly returnLease: Ask<typeof BudgetOps.returnLease>;
}

/** The ledger over the bus, straight on the gateway's NATS connection: the admission is on every budgeted call's path. */
export function busBudgetLedger(client: DirectClient, timeoutMs = 2_000): BudgetLedger {
  return {
    reserve: (request) => client.request(BudgetOps.reserve, request, { timeoutMs }),
    lease: (request) => client.request(BudgetOps.lease, request, { timeoutMs }),
    returnLease: (request) => client.request(BudgetOps.returnLease, request, { timeoutMs }),
  };
}
