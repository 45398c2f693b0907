import type { JsMsg } from '@nats-io/jetstream';

/** An ack or nak on a closed connection is lost; the server redelivers after ack_wait, which is what we want. */
export function settle(action: () => void): void {
  try {
    action();
  } catch {
    // see above
  }
}

/**
 * The messages one consumer run is handling. A single timer sends progress acks for all of them, every
 * `keepAliveMs` (under ack_wait, so none is redelivered while its handler runs): a timer per message cost a
 * setInterval and a clearInterval per event. Also the run's concurrency bound: `whenBelow` waits for a free slot
 * without a Promise.race over every message in flight.
 */
export class InFlightMessages {
  private readonly messages = new Set<JsMsg>();
  private readonly timer: NodeJS.Timeout;
  private waiting: { readonly limit: number; readonly resolve: () => void } | null = null;

  /** `alive` false (the run was abandoned, the connection closed): progress acks stop for good. */
  constructor(keepAliveMs: number, private readonly alive: () => boolean) {
    this.timer = setInterval(() => this.keepAlive(), keepAliveMs);
    // The run's own pull keeps the process up while it consumes; this timer must not keep it up alone.
    this.timer.unref();
  }

  get size(): number {
    return this.messages.size;
  }

  add(msg: JsMsg): void {
    this.messages.add(msg);
  }

  delete(msg: JsMsg): void {
    this.messages.delete(msg);
    const waiting = this.waiting;
    if (waiting !== null && this.messages.size < waiting.limit) {
      this.waiting = null;
      waiting.resolve();
    }
  }

  /** Resolves once fewer than `limit` messages are in flight (one waiter at a time: the run's dispatch loop). */
  whenBelow(limit: number): Promise<void> {
    if (this.messages.size < limit) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiting = { limit, resolve };
    });
  }

  /** No more progress acks (the run ended, or stop() gave up on its handlers). */
  close(): void {
    clearInterval(this.timer);
  }

  private keepAlive(): void {
    if (!this.alive()) {
      this.close();
      return;
    }
    for (const msg of this.messages) settle(() => msg.working());
  }
}
