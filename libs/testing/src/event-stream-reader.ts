import { jetstream, jetstreamManager, DeliverPolicy } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { BusNames } from '@switchboard/contracts';

export interface StreamMessage {
  readonly subject: string;
  readonly seq: number;
  readonly msgId: string | null;
  readonly data: Record<string, unknown>;
  readonly raw: string;
}

const NATS_URL = () => process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

/** Reads every message currently in the events stream whose subject matches `filter` (an ephemeral ordered consumer). */
export async function readStreamMessages(
  names: BusNames,
  filter: string = names.eventsSubjects,
  natsUrl: string = NATS_URL(),
): Promise<StreamMessage[]> {
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(names.eventsStream).catch(() => null);
    if (!info) return [];
    const consumer = await jetstream(nc).consumers.get(names.eventsStream, {
      filter_subjects: filter,
      deliver_policy: DeliverPolicy.All,
    });
    const pending = (await consumer.info()).num_pending;
    const out: StreamMessage[] = [];
    if (pending === 0) return out;
    const messages = await consumer.consume();
    for await (const m of messages) {
      const raw = m.string();
      out.push({ subject: m.subject, seq: m.seq, msgId: m.headers?.get('Nats-Msg-Id') || null, data: JSON.parse(raw), raw });
      if (m.info.pending === 0) break;
    }
    await messages.close();
    return out;
  } finally {
    await nc.close();
  }
}

/** Deletes the events stream and the KV buckets of a namespaced test stack. */
export async function deleteEventsStream(names: BusNames, natsUrl: string = NATS_URL()): Promise<void> {
  if (!names.namespace) return;
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    // The events stream and the namespace's KV buckets (streams named KV_<namespace>_…).
    const mine = (name: string) => name === names.eventsStream || name.startsWith(`KV_${names.namespace}_`);
    for await (const info of jsm.streams.list()) {
      if (mine(info.config.name)) await jsm.streams.delete(info.config.name).catch(() => false);
    }
  } finally {
    await nc.close();
  }
}

/** Waits until `check` passes, polling; returns its last value. */
export async function eventually<T>(check: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await check();
  while (!accept(value)) {
    if (Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
    value = await check();
  }
  return value;
}
