import type { BusNames } from '@switchboard/contracts';
import type { PgEventStore } from '@switchboard/event-store';
import { jetstreamManager } from '@nats-io/jetstream';
import { DurableConsumer, type NatsConnection, type ReceivedEvent } from '@switchboard/messaging';
import type { Logger } from '@switchboard/telemetry';
import { RaisedAlerts, raiseUnpricedModelAlert } from '../alerts/unpriced-model.alert.js';
import { parseUsageMessage } from './usage-recorded.message.js';
import { ProjectionBatcher } from './projection.batcher.js';
import { projectCalls, type ChargedLedgerRow, type ProjectionSql } from './usage.projection.js';

/** Shared by every replica: each call is projected by one of them at a time. */
export const PROJECTOR_DURABLE = 'usage-projector';

export interface UsageProjectorOptions {
  /** First redelivery delay after a failure (e.g. Postgres down); the consumer's default when unset. */
  readonly retryDelayMs?: number;
  /** How long stop() waits for the call in flight; the consumer's default when unset. */
  readonly stopGraceMs?: number;
  /** When an unacknowledged call (its instance died) is delivered again; the consumer's default when unset. */
  readonly ackWaitMs?: number;
  /** Calls projected at once (default PROJECTOR_CONCURRENCY). */
  readonly concurrency?: number;
  /** How long a call waits for others to share its batch (default PROJECTOR_LINGER_MS). */
  readonly lingerMs?: number;
}

/**
 * Calls are independent (each is keyed by its request id; aggregates and budget spend are sums), so many are
 * handled at once and written together: the batcher puts every call waiting while a batch commits into the
 * next statement. One call per statement and commit would bound the projection to a few hundred calls per
 * second (each holds the hot aggregate and ledger rows until its WAL flush).
 */
export const PROJECTOR_CONCURRENCY = 256;

/**
 * A call's event waits this long for others before its batch is written. Below a few hundred calls per second
 * batches otherwise carry one or two calls, and each batch costs a commit (with its WAL flush), a statement round
 * trip and a write of acknowledgements to NATS whatever its size; a projection (and its budget settlement) this much
 * later changes nothing a caller sees.
 */
export const PROJECTOR_LINGER_MS = 5;

/** How soon the calls of an instance that died are projected by another (the consumer's default is 30 s). */
export const PROJECTOR_ACK_WAIT_MS = 10_000;

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
  /** Where batches are written (projectionPool); closed by the caller after the projector stopped. */
  projection: ProjectionSql,
  logger: Logger,
  options: UsageProjectorOptions = {},
  onCharged: OnCharged = async () => undefined,
): Promise<DurableConsumer> {
  const concurrency = options.concurrency ?? PROJECTOR_CONCURRENCY;
  const consumer = await DurableConsumer.create(nc, names, {
    durable: PROJECTOR_DURABLE,
    filterSubjects: [names.eventFilter('usage.recorded')],
    logger,
    ...(options.retryDelayMs === undefined ? {} : { retryDelayMs: options.retryDelayMs }),
    ...(options.stopGraceMs === undefined ? {} : { stopGraceMs: options.stopGraceMs }),
    // Calls a dead instance held come back after this; handlers in flight keep theirs alive meanwhile.
    ackWaitMs: options.ackWaitMs ?? PROJECTOR_ACK_WAIT_MS,
    concurrency,
  });
  const batcher = new ProjectionBatcher({
    project: (calls) => projectCalls(projection, calls),
    onCharged,
    lingerMs: options.lingerMs ?? PROJECTOR_LINGER_MS,
    // Every call the consumer may hand in at once: a backlog's batch is written without waiting out the linger.
    maxBatch: concurrency,
  });
  const raisedAlerts = new RaisedAlerts();
  consumer.start(async (event: ReceivedEvent) => {
    const parsed = parseUsageMessage(names, event.subject, event.data);
    if (!parsed.ok) {
      logger.error('usage.recorded dropped', { seq: event.seq, ...parsed.rejected });
      return;
    }
    const added = await batcher.project(parsed.call);
    if (!added) logger.debug('usage.recorded already projected', { seq: event.seq, requestId: parsed.call.requestId });
    // Also for a call projected before: a redelivery after a failed raise raises it then (a repeat is a no-op).
    await raiseUnpricedModelAlert(store, parsed.call, raisedAlerts);
  });
  return consumer;
}

/**
 * The time up to which every usage event on the stream has been projected: now when the projector has nothing
 * pending, else the stream time of its acknowledgement floor (every usage event at or before it is projected).
 * Reservations may only expire up to it (BudgetLedger.expire). When that cannot be read, the epoch: nothing
 * expires, which can only hold budget longer than needed.
 */
export function projectionHorizon(nc: NatsConnection, names: BusNames): () => Promise<Date> {
  return async () => {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.consumers.info(names.eventsStream, names.durable(PROJECTOR_DURABLE));
    if (info.num_pending === 0 && info.num_ack_pending === 0) return new Date();
    const floor = info.ack_floor.stream_seq;
    if (floor === 0) return new Date(0);
    const message = await jsm.streams.getMessage(names.eventsStream, { seq: floor }).catch(() => null);
    return message?.time ?? new Date(0);
  };
}
