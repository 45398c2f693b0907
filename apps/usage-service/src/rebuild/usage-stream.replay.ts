import type { DataSource } from 'typeorm';
import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import type { BusNames } from '@switchboard/contracts';
import type { NatsConnection } from '@switchboard/messaging';
import type { Logger } from '@switchboard/telemetry';
import { parseUsageMessage } from '../projection/usage-recorded.message.js';
import { recordCallOnly } from '../projection/usage.projection.js';

export interface ReplayOutcome {
  /** Messages read off the stream. */
  readonly read: number;
  /** Calls that were missing from usage.calls and are now recorded. */
  readonly recorded: number;
  /** Messages that can never be projected (logged, as the live projector does). */
  readonly dropped: number;
}

/**
 * Reads every `usage.recorded` still retained by the EVENTS stream, from its first message, through a
 * temporary ordered consumer (nothing to clean up, and the live durable's position is untouched), and
 * records the calls missing from usage.calls. Aggregates are not touched here: the caller recomputes them
 * from the calls afterwards, which is what keeps a replay and a running projector from counting twice.
 */
export async function replayUsageStream(nc: NatsConnection, names: BusNames, dataSource: DataSource, logger: Logger): Promise<ReplayOutcome> {
  const consumer = await jetstream(nc).consumers.get(names.eventsStream, {
    filter_subjects: names.eventFilter('usage.recorded'),
    deliver_policy: DeliverPolicy.All,
  });
  let read = 0;
  let recorded = 0;
  let dropped = 0;
  if ((await consumer.info()).num_pending === 0) return { read, recorded, dropped };
  const messages = await consumer.consume();
  try {
    for await (const message of messages) {
      read += 1;
      let data: unknown = null;
      try {
        data = message.json<unknown>();
      } catch {
        data = null;
      }
      const parsed = parseUsageMessage(names, message.subject, data);
      if (!parsed.ok) {
        dropped += 1;
        logger.warn('usage.recorded skipped', { seq: message.seq, ...parsed.rejected });
      } else if (await recordCallOnly(dataSource, parsed.call)) {
        recorded += 1;
      }
      // The stream's tail when this message was delivered: what was published during the replay is the
      // live projector's, so the replay ends rather than following the stream for ever.
      if (message.info.pending === 0) break;
    }
  } finally {
    await messages.close();
  }
  return { read, recorded, dropped };
}
