import type { JsMsg } from '@nats-io/jetstream';

export interface ReceivedEvent {
  subject: string;
  /** The parsed JSON payload (null for an empty one); consumers parse it with their event schema. */
  data: unknown;
  /** The payload as published, for checking its publisher's proof. */
  payload: string;
  /** Copied from the message when first read (most handlers never read them). */
  readonly headers: Record<string, string>;
  /** Stream sequence. */
  seq: number;
  redelivered: boolean;
  deliveryCount: number;
}

function copyHeaders(msg: JsMsg): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const key of msg.headers?.keys() ?? []) headers[key] = msg.headers?.get(key) ?? '';
  return headers;
}

/** Throws when the payload is not JSON (the consumer terminates such a message: it can never succeed). */
export function toReceivedEvent(msg: JsMsg): ReceivedEvent {
  const payload = msg.string();
  const data = msg.data.length === 0 ? null : (JSON.parse(payload) as unknown);
  const { deliveryCount, streamSequence } = msg.info;
  let headers: Record<string, string> | undefined;
  return {
    subject: msg.subject,
    data,
    payload,
    get headers() {
      return (headers ??= copyHeaders(msg));
    },
    seq: streamSequence,
    redelivered: deliveryCount > 1,
    deliveryCount,
  };
}

