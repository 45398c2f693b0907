import { nanos } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, JetStreamApiError, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { ConsumerConfig, ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { SpanKind, context, trace } from '@opentelemetry/api';
import type { BusNames } from '@switchboard/contracts';
import { contextFromHeaders, recordError, tracer } from '@switchboard/telemetry';
import type { Logger } from '@switchboard/telemetry';
import { InFlightMessages, settle } from './in-flight.messages.js';
import { toReceivedEvent, type ReceivedEvent } from './received.event.js';
import { messagingLogger } from './messaging.logger.js';
import { consumerEvents, consumerRedeliveries } from './messaging.metrics.js';

export type { ReceivedEvent } from './received.event.js';

export type EventHandler = (event: ReceivedEvent) => Promise<void>;

export interface DurableConsumerOptions {
  /** Plain name; namespaced here with names.durable(). Replicas of a service share one durable. */
  durable: string;
  /** Full subjects or wildcards, e.g. names.eventFilter('usage.recorded'). */
  filterSubjects: string[];
  /** Default 30 000. A handler still running is kept alive with progress acks. */
  ackWaitMs?: number;
  /** Default unlimited: a failing event is retried with backoff until it succeeds. */
  maxDeliver?: number;
  /** Messages pulled ahead of the ones being handled; raised to `concurrency` when lower. Default 10. */
  batchSize?: number;
  /**
   * Events handled at the same time. Default 1: one at a time, in delivery order. Above 1, delivery order
   * is no longer handling order (use it only when events need no ordering, e.g. each names its own stream),
   * and each event is still acked once, after its handler succeeded, or nak'ed for redelivery.
   */
  concurrency?: number;
  /** Redelivery delay after the first failure, doubled per delivery up to 60 s. Default 1000. */
  retryDelayMs?: number;
  /** How long stop() waits for the handlers in flight. Default 10 000. */
  stopGraceMs?: number;
  logger?: Logger;
}

const MAX_RETRY_DELAY_MS = 60_000;
/** How long one pull request waits at the server (see run()). */
const PULL_EXPIRES_MS = 5_000;

function supportsFilterSubjects(nc: NatsConnection): boolean {
  const [major = 0, minor = 0] = (nc.info?.version ?? '0.0').split('.').map(Number);
  return major > 2 || (major === 2 && minor >= 10);
}

/** One start()…stop() cycle; a handler abandoned by stop() keeps its own run, so a later start() is unaffected. */
interface Run {
  stopping: boolean;
  /** Set when stop() gave up waiting: the late handler's outcome must not ack or nak any more. */
  abandoned: boolean;
  messages: ConsumerMessages | null;
  wake: (() => void) | null;
  done: Promise<void>;
  /** What the run is handling, kept alive by one timer; closed when the run ends or is abandoned. */
  inFlight: InFlightMessages;
}

/**
 * A durable pull consumer with explicit acks on the events stream. Events are handled one at a time in
 * delivery order (or up to `concurrency` at a time, in no particular order); success acks, a thrown error naks with a growing delay, an unparseable payload is
 * terminated (it can never succeed). Each handler runs in the trace of the event's traceparent, under a
 * CONSUMER span.
 */
export class DurableConsumer {
  private current: Run | null = null;
  private readonly spanName: string;

  private constructor(
    private readonly nc: NatsConnection,
    readonly stream: string,
    readonly name: string,
    private readonly options: Required<Omit<DurableConsumerOptions, 'logger'>>,
    private readonly logger: Logger,
    /** The durable's plain name (without the namespace): the `consumer` label of its metrics. */
    private readonly metricName: string,
  ) {
    this.spanName = `process ${name}`;
  }

  /** Creates the durable, or updates its settings when it exists (idempotent across replicas). */
  static async create(nc: NatsConnection, names: BusNames, options: DurableConsumerOptions): Promise<DurableConsumer> {
    const { filterSubjects } = options;
    if (filterSubjects.length === 0) throw new Error('a durable consumer needs at least one filter subject');
    if (filterSubjects.length > 1 && !supportsFilterSubjects(nc)) {
      throw new Error('several filter subjects need nats-server 2.10 or later');
    }
    const name = names.durable(options.durable);
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`concurrency must be a positive integer, got ${concurrency}`);
    const settings = {
      durable: name,
      filterSubjects,
      ackWaitMs: options.ackWaitMs ?? 30_000,
      maxDeliver: options.maxDeliver ?? -1,
      batchSize: Math.max(options.batchSize ?? 10, concurrency),
      concurrency,
      retryDelayMs: options.retryDelayMs ?? 1000,
      stopGraceMs: options.stopGraceMs ?? 10_000,
    };
    const updatable: Partial<ConsumerConfig> = {
      ack_wait: nanos(settings.ackWaitMs),
      max_deliver: settings.maxDeliver,
      ...(filterSubjects.length === 1 ? { filter_subject: filterSubjects[0] } : { filter_subjects: filterSubjects }),
    };
    const jsm = await jetstreamManager(nc);
    try {
      await jsm.consumers.add(names.eventsStream, {
        ...updatable,
        durable_name: name,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
      });
    } catch (error) {
      // Exists with other settings (an older deployment): bring it up to date, keeping its position.
      if (!(error instanceof JetStreamApiError)) throw error;
      await jsm.consumers.update(names.eventsStream, name, updatable);
    }
    const logger = (options.logger ?? messagingLogger('consumer')).child({ durable: name });
    return new DurableConsumer(nc, names.eventsStream, name, settings, logger, options.durable);
  }

  start(handler: EventHandler): void {
    if (this.current) throw new Error(`consumer ${this.name} is already started`);
    const keepAliveMs = Math.max(Math.floor(this.options.ackWaitMs / 2), 50);
    const run: Run = {
      stopping: false,
      abandoned: false,
      messages: null,
      wake: null,
      done: Promise.resolve(),
      inFlight: new InFlightMessages(keepAliveMs, () => !run.abandoned && !this.nc.isClosed()),
    };
    run.done = this.run(run, handler).finally(() => run.inFlight.close());
    this.current = run;
  }

  /**
   * Stops pulling, hands buffered messages back (nak) and waits up to stopGraceMs for the handlers in flight.
   * A handler still running after that is left alone and its message is redelivered after ack_wait.
   */
  async stop(): Promise<void> {
    const run = this.current;
    if (!run) return;
    this.current = null;
    run.stopping = true;
    run.messages?.stop();
    run.wake?.();
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      run.done.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), this.options.stopGraceMs);
      }),
    ]);
    clearTimeout(timer);
    if (!finished) {
      run.abandoned = true;
      run.inFlight.close();
      this.logger.warn('handler still running at stop; its event will be redelivered');
    }
  }

  private async run(run: Run, handler: EventHandler): Promise<void> {
    let failures = 0;
    while (!run.stopping && !this.nc.isClosed()) {
      try {
        const consumer = await jetstream(this.nc).consumers.get(this.stream, this.name);
        if (run.stopping) return;
        // A pull request waits at the consumer's leader. If that NATS node dies, the request dies with it and only
        // missed idle heartbeats (two, at half of `expires`) tell the client to pull again: with the default 30 s
        // expiry events stalled for 30 s after every leader change in a cluster; with 5 s, for about 5 s.
        run.messages = await consumer.consume({ max_messages: this.options.batchSize, expires: PULL_EXPIRES_MS });
        if (run.stopping) run.messages.stop();
        await this.dispatch(run, run.messages, handler, () => (failures = 0));
        if (run.stopping || this.nc.isClosed()) return;
        this.logger.warn('event subscription ended; resubscribing');
      } catch (error) {
        if (run.stopping || this.nc.isClosed()) return;
        this.logger.warn('event subscription failed; retrying', { err: error });
      }
      failures += 1;
      await this.sleep(run, Math.min(250 * 2 ** failures, 10_000));
    }
  }

  /**
   * Hands messages to the handler, at most `concurrency` at a time; returns when the subscription has ended
   * and every handler it started has settled (so stop() and a resubscription never leave one behind).
   */
  private async dispatch(run: Run, messages: AsyncIterable<JsMsg>, handler: EventHandler, onMessage: () => void): Promise<void> {
    const { concurrency } = this.options;
    try {
      for await (const msg of messages) {
        onMessage();
        if (concurrency === 1) {
          await this.process(run, msg, handler);
          continue;
        }
        this.process(run, msg, handler).catch((error: unknown) => {
          // Not acked: the server redelivers it after ack_wait.
          this.logger.error('event processing failed', { subject: msg.subject, seq: msg.seq, err: error });
        });
        await run.inFlight.whenBelow(concurrency);
      }
    } finally {
      await run.inFlight.whenBelow(1);
    }
  }

  private async process(run: Run, msg: JsMsg, handler: EventHandler): Promise<void> {
    if (run.stopping) {
      settle(() => msg.nak());
      return;
    }
    let event: ReceivedEvent;
    try {
      event = toReceivedEvent(msg);
    } catch (error) {
      this.logger.error('unparseable event terminated', { subject: msg.subject, seq: msg.seq, err: error });
      consumerEvents.inc({ consumer: this.metricName, outcome: 'dropped' });
      settle(() => msg.term());
      return;
    }
    const consumer = this.metricName;
    if (event.deliveryCount > 1) consumerRedeliveries.inc({ consumer });
    const parent = contextFromHeaders((name) => msg.headers?.get(name) || undefined);
    const attributes = {
      'messaging.system': 'nats',
      'messaging.operation.type': 'process',
      'messaging.destination.name': event.subject,
      'messaging.consumer.group.name': this.name,
      'messaging.message.delivery_count': event.deliveryCount,
    };
    // The span is started from the event's trace directly (not as an active span wrapping a closure): the handler
    // still runs in its context, at one context switch per event.
    const span = tracer.startSpan(this.spanName, { kind: SpanKind.CONSUMER, attributes }, parent);
    run.inFlight.add(msg);
    try {
      await context.with(trace.setSpan(parent, span), handler, undefined, event);
      consumerEvents.inc({ consumer, outcome: 'acked' });
      if (!run.abandoned) settle(() => msg.ack());
    } catch (error) {
      recordError(span, error);
      const lastAttempt = this.options.maxDeliver > 0 && event.deliveryCount >= this.options.maxDeliver;
      const retryInMs = lastAttempt ? undefined : this.retryDelay(event.deliveryCount);
      this.logger.error(lastAttempt ? 'event handler failed for the last time; event dropped' : 'event handler failed', {
        subject: event.subject,
        seq: event.seq,
        deliveryCount: event.deliveryCount,
        retryInMs,
        err: error,
      });
      consumerEvents.inc({ consumer, outcome: lastAttempt ? 'dropped' : 'retried' });
      if (!run.abandoned) settle(() => (lastAttempt ? msg.term() : msg.nak(retryInMs)));
    } finally {
      span.end();
      run.inFlight.delete(msg);
    }
  }

  private retryDelay(deliveryCount: number): number {
    return Math.min(this.options.retryDelayMs * 2 ** Math.max(deliveryCount - 1, 0), MAX_RETRY_DELAY_MS);
  }

  private sleep(run: Run, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        run.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      run.wake = done;
    });
  }
}
