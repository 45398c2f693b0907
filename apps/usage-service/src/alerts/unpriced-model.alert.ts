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
  if (known === undefined) return raise(store, call, subject, dedupeKey);
  return known.once(call.tenantId, dedupeKey, () => raise(store, call, subject, dedupeKey));
}

async function raise(store: PgEventStore, call: UsageRecordedMessage, subject: string, dedupeKey: string): Promise<boolean> {
  if (await alertExists(store.dataSource.manager, call.tenantId, dedupeKey)) return false;
  return recordAlert(store.dataSource.manager, store, {
    tenantId: call.tenantId,
    kind: 'unpriced_model',
    subject,
    dedupeKey,
    detail: { providerId: call.providerId, model: call.model, agentId: call.agentId, requestId: call.requestId, callAt: call.at },
    at: new Date(call.at),
  });
}

/**
 * Alerts this process knows are raised (they never un-raise), so a steady stream of calls to an unpriced model
 * costs no read per call. Bounded: forgotten wholesale when full, which only costs reads again. Calls of one batch
 * are handed back in stream order, all at once: the first to ask raises the alert and the others wait for it, so the
 * alert is the earliest call's, not whichever insert won.
 */
export class RaisedAlerts {
  private readonly keys = new Set<string>();
  private readonly raising = new Map<string, Promise<boolean>>();

  constructor(private readonly capacity = 10_000) {}

  /** Runs `raise` unless the alert is known raised or being raised here; true when this call raised it. */
  async once(tenantId: string, dedupeKey: string, raise: () => Promise<boolean>): Promise<boolean> {
    const key = `${tenantId}\u0000${dedupeKey}`;
    if (this.keys.has(key)) return false;
    const inFlight = this.raising.get(key);
    // Its failure is that call's to retry (its message is redelivered); this one tries again itself.
    if (inFlight !== undefined && (await inFlight.then(() => true, () => false))) return false;
    const attempt = raise();
    this.raising.set(key, attempt);
    try {
      const raised = await attempt;
      if (this.keys.size >= this.capacity) this.keys.clear();
      this.keys.add(key);
      return raised;
    } finally {
      if (this.raising.get(key) === attempt) this.raising.delete(key);
    }
  }
}
