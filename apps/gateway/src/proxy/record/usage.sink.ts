import { createInbox, headers as natsHeaders, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { withProducerSpan } from '@switchboard/telemetry';

/** Where usage events go: the EVENTS stream, acknowledged one by one, deduplicated by msgId. */
export interface UsageSink {
  /** False while the bus cannot be reached: spooled events then wait for the next flush. */
  connected(): boolean;
  /**
   * Resolves once the event is stored (or known as a duplicate); rejects when it may not be. Its PRODUCER span
   * continues `headers`' traceparent when given, else the active context.
   */
  publish(subject: string, payload: string, options: { readonly msgId: string; readonly headers?: Record<string, string> }): Promise<void>;
}

export interface JetStreamUsageSinkOptions {
  /** The connection's NATS_INBOX_PREFIX: the acks come to an inbox under it (default `_INBOX`). */
  readonly inboxPrefix?: string | undefined;
  /** How long an ack may take before the event counts as not stored (and is spooled). */
  readonly timeoutMs?: number;
}

/** JetStream's publish header that it deduplicates on within the stream's duplicate window. */
const MSG_ID_HEADER = 'Nats-Msg-Id';
/** Acks are checked against their deadline this often: an ack that never comes fails within timeout + this. */
const SWEEP_MS = 250;

/** The sink on the gateway's NATS connection, whichever it is at the moment (it changes on reconnects). */
export function jetStreamUsageSink(connection: () => NatsConnection | null, options: JetStreamUsageSinkOptions = {}): UsageSink {
  let acks: PublishAcks | null = null;
  return {
    connected: () => connection() !== null,
    publish(subject, payload, { msgId, headers }) {
      const current = connection();
      if (current === null) return Promise.reject(new Error('NATS is not connected'));
      if (acks?.connection !== current) {
        acks?.close();
        acks = new PublishAcks(current, options.timeoutMs ?? 3_000, options.inboxPrefix);
      }
      const on = acks;
      return withProducerSpan(subject, msgId, headers, (trace) => on.publish(subject, payload, msgId, { ...headers, ...trace }));
    },
  };
}

interface PendingAck {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  readonly expiresAt: number;
}

/**
 * JetStream publishes (a message with a reply subject; the stream answers it with its ack) over one wildcard reply
 * subscription per connection and one sweep for deadlines. nats.js's request made a reply token, a timer, a deferred
 * and an Error (built to reject an already settled request) for every publish, and an async chain around each.
 */
class PublishAcks {
  private readonly pending = new Map<string, PendingAck>();
  private readonly inbox: string;
  private readonly subscription: Subscription;
  private sequence = 0;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    readonly connection: NatsConnection,
    private readonly timeoutMs: number,
    inboxPrefix: string | undefined,
  ) {
    this.inbox = `${createInbox(inboxPrefix)}.`;
    this.subscription = connection.subscribe(`${this.inbox}*`, { callback: (error, msg) => this.settle(error, msg) });
  }

  publish(subject: string, payload: string, msgId: string, headers: Record<string, string>): Promise<void> {
    const token = (++this.sequence).toString(36);
    const sent = natsHeaders();
    for (const name in headers) sent.set(name, headers[name] as string);
    sent.set(MSG_ID_HEADER, msgId);
    return new Promise<void>((resolve, reject) => {
      try {
        this.connection.publish(subject, payload, { reply: this.inbox + token, headers: sent });
      } catch (error) {
        reject(error as Error);
        return;
      }
      // A Map keeps insertion order, and every deadline is the same span from its publish: the oldest come first.
      this.pending.set(token, { resolve, reject, expiresAt: Date.now() + this.timeoutMs });
      this.sweeper ??= setInterval(() => this.sweep(), SWEEP_MS).unref();
    });
  }

  /** The publishes still waiting fail (they are spooled); acks to them are ignored from now on. */
  close(): void {
    this.stopSweeping();
    if (!this.connection.isClosed()) this.subscription.unsubscribe();
    this.failAll(new Error('the NATS connection was replaced before JetStream acknowledged the event'));
  }

  private settle(error: Error | null, msg: Msg): void {
    // The reply subscription itself failed (a permission violation): no ack will come.
    if (error !== null) return this.failAll(error);
    const token = msg.subject.slice(this.inbox.length);
    const ack = this.pending.get(token);
    if (ack === undefined) return;
    this.pending.delete(token);
    const refused = ackRefusal(msg);
    if (refused === null) ack.resolve();
    else ack.reject(refused);
    if (this.pending.size === 0) this.stopSweeping();
  }

  private sweep(): void {
    const now = Date.now();
    for (const [token, ack] of this.pending) {
      if (ack.expiresAt > now) break;
      this.pending.delete(token);
      ack.reject(new Error(`JetStream did not acknowledge the event within ${this.timeoutMs} ms`));
    }
    if (this.pending.size === 0) this.stopSweeping();
  }

  private failAll(error: Error): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    this.stopSweeping();
    for (const ack of waiting) ack.reject(error);
  }

  private stopSweeping(): void {
    if (this.sweeper !== null) clearInterval(this.sweeper);
    this.sweeper = null;
  }
}

/**
 * Why an answer to a publish is no ack, or null when it is one: no stream takes the subject (NATS answers the
 * reply with status 503, no responders), JetStream answered an error, or the answer names no stream.
 */
function ackRefusal(msg: Msg): Error | null {
  if (msg.data.length === 0) return new Error(msg.headers?.code === 503 ? 'no JetStream stream takes the subject (no responders)' : 'empty answer to a JetStream publish');
  let ack: unknown;
  try {
    ack = msg.json();
  } catch {
    return new Error('the answer to a JetStream publish is not JSON');
  }
  if (typeof ack !== 'object' || ack === null) return new Error('the answer to a JetStream publish is not an ack');
  const { error, stream } = ack as { error?: { code?: number; err_code?: number; description?: string }; stream?: unknown };
  if (error !== undefined) return new Error(`JetStream refused the event: ${error.description ?? 'no description'} (${error.err_code ?? error.code ?? 'no code'})`);
  return typeof stream === 'string' && stream !== '' ? null : new Error('the answer to a JetStream publish names no stream');
}
