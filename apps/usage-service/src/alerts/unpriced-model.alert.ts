import type { PgEventStore } from '@switchboard/event-store';
import type { UsageRecordedMessage } from '../projection/usage-recorded.message.js';
import { alertExists, recordAlert } from './alert.recorder.js';

/**
 * Raises `unpriced_model` the first time a tenant's successful call to a (provider, model) comes without a
 * cost: the gateway has no price for it, so its spend is missing from usage and budgets. Once per tenant,
 * provider and model, ever. Cheap on the hot path: a priced or failed call returns at once, and a known
 * model costs one indexed read. Returns whether it raised the alert.
 */
export async function raiseUnpricedModelAlert(store: PgEventStore, call: UsageRecordedMessage, known?: RaisedAlerts): Promise<boolean> {
  if (call.status >= 400 || call.costUsd !== undefined) return false;
  const subject = `model:${call.providerId}/${call.model}`;
  const dedupeKey = `unpriced_model|${subject}`;
  if (known?.has(call.tenantId, dedupeKey)) return false;
  if (await alertExists(store.dataSource.manager, call.tenantId, dedupeKey)) {
    known?.add(call.tenantId, dedupeKey);
    return false;
  }
  const raised = await recordAlert(store.dataSource.manager, store, {
    tenantId: call.tenantId,
    kind: 'unpriced_model',
    subject,
    dedupeKey,
    detail: { providerId: call.providerId, model: call.model, agentId: call.agentId, requestId: call.requestId, callAt: call.at },
    at: new Date(call.at),
  });
  known?.add(call.tenantId, dedupeKey);
  return raised;
}

/**
 * Alerts this process knows are raised (they never un-raise), so a steady stream of calls to an unpriced model
 * costs no read per call. Bounded: forgotten wholesale when full, which only costs reads again.
 */
export class RaisedAlerts {
  private readonly keys = new Set<string>();

  constructor(private readonly capacity = 10_000) {}

  has(tenantId: string, dedupeKey: string): boolean {
    return this.keys.has(`${tenantId}\u0000${dedupeKey}`);
  }

  add(tenantId: string, dedupeKey: string): void {
    if (this.keys.size >= this.capacity) this.keys.clear();
    this.keys.add(`${tenantId}\u0000${dedupeKey}`);
  }
}
