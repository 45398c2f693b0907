import type { BusNames } from '@switchboard/contracts';
import type { PgEventStore } from '@switchboard/event-store';
import { DurableConsumer, type NatsConnection, type ReceivedEvent } from '@switchboard/messaging';
import type { Logger } from '@switchboard/telemetry';
import { raiseUnpricedModelAlert } from '../alerts/unpriced-model.alert.js';
import { parseUsageMessage } from './usage-recorded.message.js';
import { projectCall, type ChargedLedgerRow } from './usage.projection.js';

/** Shared by every replica: each call is projected by one of them at a time. */
export const PROJECTOR_DURABLE = 'usage-projector';

export interface UsageProjectorOptions {
  /** First redelivery delay after a failure (e.g. Postgres down); the consumer's default when unset. */
  readonly retryDelayMs?: number;
  /** How long stop() waits for the call in flight; the consumer's default when unset. */
  readonly stopGraceMs?: number;
  /** When an unacknowledged call (its instance died) is delivered again; the consumer's default when unset. */
  readonly ackWaitMs?: number;
}

/** Called with the budget ledger rows a newly projected call was charged to (events and alerts follow them). */
export type OnCharged = (rows: readonly ChargedLedgerRow[]) => Promise<void>;

/**
 * Projects `usage.recorded` into usage.calls and usage.daily, settles the call's budget reservation, and
 * raises `unpriced_model` for a successful call without a cost (see raiseUnpricedModelAlert). A message that can never be projected
 * (malformed, or filed under another tenant's subject) is logged without its values and acknowledged, so it
 * cannot hold up the calls behind it; a failing write (Postgres away) is retried with backoff.
 */
export async function startUsageProjector(
  nc: NatsConnection,
  names: BusNames,
  store: PgEventStore,
  logger: Logger,
  options: UsageProjectorOptions = {},
  onCharged: OnCharged = async () => undefined,
): Promise<DurableConsumer> {
  const consumer = await DurableConsumer.create(nc, names, {
    durable: PROJECTOR_DURABLE,
    filterSubjects: [names.eventFilter('usage.recorded')],
    logger,
    ...(options.retryDelayMs === undefined ? {} : { retryDelayMs: options.retryDelayMs }),
    ...(options.stopGraceMs === undefined ? {} : { stopGraceMs: options.stopGraceMs }),
    ...(options.ackWaitMs === undefined ? {} : { ackWaitMs: options.ackWaitMs }),
  });
  consumer.start(async (event: ReceivedEvent) => {
    const parsed = parseUsageMessage(names, event.subject, event.data);
    if (!parsed.ok) {
      logger.error('usage.recorded dropped', { seq: event.seq, ...parsed.rejected });
      return;
    }
    const projected = await projectCall(store.dataSource, parsed.call);
    if (!projected.added) logger.debug('usage.recorded already projected', { seq: event.seq, requestId: parsed.call.requestId });
    else await onCharged(projected.ledger);
    // Also for a call projected before: a redelivery after a failed raise raises it then (a repeat is a no-op).
    await raiseUnpricedModelAlert(store, parsed.call);
  });
  return consumer;
}
