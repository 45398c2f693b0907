import { headers as natsHeaders, nanos } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { JetStreamApiCodes, JetStreamApiError, StorageType, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamClient, StreamConfig, StreamInfo } from '@nats-io/jetstream';
import type { BusNames } from '@switchboard/contracts';
import { withProducerSpan } from '@switchboard/telemetry';

export const DEFAULT_DUPLICATE_WINDOW_MS = 2 * 60 * 1000;

export interface EventsStreamOptions {
  /** 3 in production (a 3-node cluster); 1 on a single server. */
  replicas?: number;
  duplicateWindowMs?: number;
}

/**
 * Creates the events stream, or brings an existing one to the wanted subjects and duplicate window.
 * Replicas are raised to `replicas` but never lowered: a service started without the setting must not set a
 * production R3 stream back to R1. Safe to run from every replica at startup, concurrently.
 */
export async function ensureEventsStream(nc: NatsConnection, names: BusNames, options: EventsStreamOptions = {}): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const wanted = {
    subjects: [names.eventsSubjects],
    duplicate_window: nanos(options.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS),
    num_replicas: options.replicas ?? 1,
  };
  const existing = await streamInfo(nc, names.eventsStream);
  if (existing) {
    const kept = keepReplicas(existing, wanted);
    if (!matches(existing.config, kept)) await jsm.streams.update(names.eventsStream, kept);
    return;
  }
  try {
    await jsm.streams.add({ name: names.eventsStream, storage: StorageType.File, ...wanted });
  } catch (error) {
    // Another replica created it between our info and add, possibly with an older configuration.
    const created = await streamInfo(nc, names.eventsStream);
    if (!created) throw error;
    await jsm.streams.update(names.eventsStream, keepReplicas(created, wanted));
  }
}

function keepReplicas<T extends { num_replicas: number }>(existing: StreamInfo, wanted: T): T {
  return { ...wanted, num_replicas: Math.max(wanted.num_replicas, existing.config.num_replicas) };
}

async function streamInfo(nc: NatsConnection, stream: string): Promise<StreamInfo | null> {
  const jsm = await jetstreamManager(nc);
  try {
    return await jsm.streams.info(stream);
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound) return null;
    throw error;
  }
}

function matches(config: StreamConfig, wanted: { subjects: string[]; duplicate_window: number; num_replicas: number }): boolean {
  return (
    config.duplicate_window === wanted.duplicate_window &&
    config.num_replicas === wanted.num_replicas &&
    config.subjects.length === wanted.subjects.length &&
    wanted.subjects.every((subject) => config.subjects.includes(subject))
  );
}

export function jetStreamClient(nc: NatsConnection): JetStreamClient {
  return jetstream(nc);
}

export interface PublishEventOptions {
  /** Becomes Nats-Msg-Id: a second publish with the same id inside the duplicate window is dropped. */
  msgId: string;
  /**
   * traceparent/tracestate recorded with the event: its PRODUCER span continues that trace (else the active one),
   * and the message carries the span's own traceparent.
   */
  headers?: Record<string, string>;
}

export async function publishEvent(
  js: JetStreamClient,
  subject: string,
  payload: Uint8Array | string,
  options: PublishEventOptions,
): Promise<{ duplicate: boolean; seq: number }> {
  const given = options.headers;
  return withProducerSpan(subject, options.msgId, given, async (trace) => {
    const headers = natsHeaders();
    for (const [name, value] of Object.entries({ ...given, ...trace })) headers.set(name, value);
    const ack = await js.publish(subject, payload, { msgID: options.msgId, headers });
    return { duplicate: ack.duplicate, seq: ack.seq };
  });
}
