import { randomBytes } from 'node:crypto';
import { jetstream, jetstreamManager, StorageType, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import { busNames, type BusNames } from '@switchboard/contracts';

const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';

export interface TestStream {
  readonly names: BusNames;
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  messageCount(): Promise<number>;
  drop(): Promise<void>;
}

export function natsUrl(): string {
  return NATS_URL;
}

/** An EVENTS-like stream under a random namespace, deleted by `drop()`. */
export async function createTestStream(): Promise<TestStream> {
  const names = busNames(`t${randomBytes(5).toString('hex')}`);
  const nc = await connect({ servers: NATS_URL, name: 'event-store-spec' });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({
    name: names.eventsStream,
    subjects: [names.eventsSubjects],
    storage: StorageType.Memory,
    duplicate_window: nanos(120_000),
  });
  return {
    names,
    nc,
    js: jetstream(nc),
    jsm,
    messageCount: async () => (await jsm.streams.info(names.eventsStream)).state.messages,
    drop: async () => {
      await jsm.streams.delete(names.eventsStream).catch(() => false);
      await nc.close();
    },
  };
}
