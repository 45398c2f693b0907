import { context, type Context } from '@opentelemetry/api';
import { BUS_EVENT_TYPES, attemptKeyOf, type BusNames, type UsageRecorded } from '@switchboard/contracts';
import type { Logger } from '@switchboard/telemetry';
import type { UsageSink } from './usage.sink.js';
import type { SpooledEvent, UsageSpool } from './usage.spool.js';

export interface UsagePublisherOptions {
  readonly names: BusNames;
  readonly spool: Pick<UsageSpool, 'append' | 'flush'>;
  /** JetStream on the gateway's connection (jetStreamUsageSink). */
  readonly sink: UsageSink;
  readonly logger: Logger;
  readonly flushIntervalMs?: number;
  /**
   * How long the first event of a batch waits for others before the batch is published (default
   * DEFAULT_BATCH_WINDOW_MS); 0: until the end of the event-loop turn.
   */
  readonly batchWindowMs?: number;
}

/** A batch this large is published at once rather than at the end of its window. */
const MAX_BATCH = 256;

/**
 * Calls finishing at a steady rate are spread over many event-loop turns, and an event published alone costs about
 * twice the CPU of one published with a few others, in the gateway and in NATS (test/bench/record-stage.bench.mjs with
 * BENCH_RATE). The event leaves after the answer, so the wait delays only its projection.
 */
export const DEFAULT_BATCH_WINDOW_MS = 5;

/**
 * Publishes one `usage.recorded` per proxied call, off the response path. An event NATS did not acknowledge
 * goes to the on-disk spool (fsynced per batch), and a background flusher republishes spooled events; the
 * event id is the Nats-Msg-Id, so an event that was in fact stored before its ack was lost is dropped as a
 * duplicate by JetStream. At start the flusher also takes over spools left by earlier processes.
 * What is lost: only events still in memory if the process is killed with SIGKILL (a graceful stop spools them):
 * at most a batch window's worth.
 *
 * Events recorded within a short window (batchWindowMs) are published together: their publishes are issued in
 * one synchronous run, which nats.js sends in one socket write. On loopback a write costs as much CPU as the
 * rest of a proxied call, so one write per call was the largest single cost of the gateway under load.
 */
export class UsagePublisher {
  private readonly inFlight = new Set<Promise<void>>();
  private toSpool: SpooledEvent[] = [];
  /** Events waiting for the batch's publish, with the trace context of the call that recorded each (its span's parent). */
  private batch: Array<{ readonly spooled: SpooledEvent; readonly trace: Context }> = [];
  private batchScheduled: { readonly cancel: () => void } | null = null;
  private spoolScheduled = false;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;

  constructor(private readonly options: UsagePublisherOptions) {}

  start(): void {
    const every = this.options.flushIntervalMs ?? 2_000;
    this.timer = setInterval(() => void this.flushSpool(), every);
    this.timer.unref();
    void this.flushSpool();
  }

  record(tenantId: string, usage: UsageRecorded): void {
    const event = {
      // Attempts of one call share its requestId; each is its own event (JetStream dedupes on the event id).
      eventId: attemptKeyOf(usage.requestId, usage.attempt),
      type: BUS_EVENT_TYPES.UsageRecorded,
      tenantId,
      at: new Date().toISOString(),
      ...usage,
    };
    const spooled: SpooledEvent = { subject: this.options.names.event(tenantId, BUS_EVENT_TYPES.UsageRecorded), event };
    this.batch.push({ spooled, trace: context.active() });
    if (this.batch.length >= MAX_BATCH) this.publishBatch();
    else this.batchScheduled ??= this.scheduleBatch();
  }

  /** Graceful stop: every event is either acknowledged or on disk when this resolves. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.publishBatch();
    await Promise.allSettled([...this.inFlight]);
    await this.writeSpool();
    await this.flushing;
  }

  private scheduleBatch(): { readonly cancel: () => void } {
    const windowMs = this.options.batchWindowMs ?? DEFAULT_BATCH_WINDOW_MS;
    if (windowMs <= 0) {
      const immediate = setImmediate(() => this.publishBatch());
      return { cancel: () => clearImmediate(immediate) };
    }
    const timer = setTimeout(() => this.publishBatch(), windowMs);
    return { cancel: () => clearTimeout(timer) };
  }

  /** All batched events, each its own JetStream publish (own ack and dedupe id), issued in one go. */
  private publishBatch(): void {
    this.batchScheduled?.cancel();
    this.batchScheduled = null;
    const batch = this.batch;
    this.batch = [];
    for (const { spooled, trace } of batch) {
      const settled = (): void => void this.inFlight.delete(publishing);
      const publishing: Promise<void> = context.with(trace, () => this.publish(spooled)).then(settled, () => {
        settled();
        return this.spoolLater(spooled);
      });
      this.inFlight.add(publishing);
    }
  }

  /** Published in the active context: the recording call's for a fresh event, the flusher's for a spooled one. */
  private publish(spooled: SpooledEvent): Promise<void> {
    return this.options.sink.publish(spooled.subject, JSON.stringify(spooled.event), { msgId: spooled.event.eventId });
  }

  /** Events failing in the same tick share one fsync. */
  private spoolLater(spooled: SpooledEvent): Promise<void> {
    this.toSpool.push(spooled);
    if (!this.spoolScheduled) {
      this.spoolScheduled = true;
      setImmediate(() => void this.writeSpool());
    }
    return Promise.resolve();
  }

  private async writeSpool(): Promise<void> {
    this.spoolScheduled = false;
    const batch = this.toSpool;
    this.toSpool = [];
    if (batch.length === 0) return;
    try {
      await this.options.spool.append(batch);
    } catch (error) {
      // The disk refused too: keep them in memory and try again with the next batch rather than drop them.
      this.toSpool.unshift(...batch);
      this.options.logger.error('usage events could not be spooled', { count: batch.length, error: (error as Error).message });
    }
  }

  private flushSpool(): Promise<void> {
    if (this.flushing !== null || !this.options.sink.connected()) return this.flushing ?? Promise.resolve();
    this.flushing = (async () => {
      await this.writeSpool();
      const published = await this.options.spool.flush((event) => this.publish(event));
      if (published > 0) this.options.logger.info('republished spooled usage events', { count: published });
    })()
      .catch((error: unknown) => this.options.logger.warn('usage spool flush failed', { error: (error as Error).message }))
      .finally(() => {
        this.flushing = null;
      });
    return this.flushing;
  }
}
