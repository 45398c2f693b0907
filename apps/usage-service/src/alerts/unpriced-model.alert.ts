import type { PgEventStore } from '@switchboard/event-store';
import type { UsageRecordedMessage } from '../projection/usage-recorded.message.js';
import { alertExists, recordAlert } from './alert.recorder.js';

/**
 * Raises `unpriced_model` the first time a tenant's successful call to a (provider, model) comes without a
 * cost: the gateway has no price for it, so its spend is missing from usage and budgets. Once per tenant,
 * provider and model, ever. Cheap on the hot path: a priced or failed call returns at once, and a known
 * model costs one indexed read. Returns whether it raised the alert.
 */
export async function raiseUnpricedModelAlert(store: PgEventStore, call: UsageRecordedMessage): Promise<boolean> {
  if (call.status >= 400 || call.costUsd !== undefined) return false;
  const subject = `model:${call.providerId}/${call.model}`;
  const dedupeKey = `unpriced_model|${subject}`;
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
