import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { publishEvent } from '@switchboard/messaging';

/** Where usage events go: the EVENTS stream, acknowledged one by one, deduplicated by msgId. */
export interface UsageSink {
  /** False while the bus cannot be reached: spooled events then wait for the next flush. */
  connected(): boolean;
  /** Resolves once the event is stored (or known as a duplicate); rejects when it may not be. */
  publish(subject: string, payload: string, options: { readonly msgId: string; readonly headers?: Record<string, string> }): Promise<void>;
}

/** The sink on the gateway's NATS connection, whichever it is at the moment (it changes on reconnects). */
export function jetStreamUsageSink(connection: () => NatsConnection | null, timeoutMs = 3_000): UsageSink {
  let js: { connection: NatsConnection; client: JetStreamClient } | null = null;
  return {
    connected: () => connection() !== null,
    publish(subject, payload, options) {
      const current = connection();
      if (current === null) return Promise.reject(new Error('NATS is not connected'));
      if (js?.connection !== current) js = { connection: current, client: jetstream(current, { timeout: timeoutMs }) };
      return publishEvent(js.client, subject, payload, options).then(() => undefined);
    },
  };
}
