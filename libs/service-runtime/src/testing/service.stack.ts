import { randomBytes } from 'node:crypto';
import { jetstreamManager, type JetStreamManager, type StoredMsg } from '@nats-io/jetstream';
import { busNames, type BusNames, type ServiceName } from '@switchboard/contracts';
import { testIdentities, type TestIdentities } from '@switchboard/service-identity/testing';
import { BusClient, connectNats, natsConfigFromEnv, type NatsConnection } from '@switchboard/messaging';
import { createTestDatabase } from '@switchboard/event-store/testing';
import { createLogger, startTelemetry, type Logger } from '@switchboard/telemetry';

/** What a spec's `start` gets: a fresh database and namespace, already in place when it runs. */
export interface StackContext {
  readonly databaseUrl: string;
  readonly names: BusNames;
  /** Warnings and errors only, and only to stderr when SB_TEST_LOGS is set. */
  readonly logger: Logger;
  /** Every service's key pair and the trust list naming them (one set per test process). */
  readonly identities: TestIdentities;
  /** Runs `step` on stop, after the services have closed and before NATS and the database go (in this order). */
  onStop(step: () => Promise<unknown> | void): void;
}

/** What `start` returns: the running services, and whatever else the service's own harness hands on to specs. */
export interface Started {
  readonly services: readonly { close(): Promise<void> }[];
}

export interface ServiceStack {
  readonly databaseUrl: string;
  readonly names: BusNames;
  /** Requests as the gateway makes them (signed with the gateway's test key). */
  readonly bus: BusClient;
  /** Requests signed as another service, e.g. to show what its access list lets it do. */
  busAs(service: ServiceName): BusClient;
  readonly identities: TestIdentities;
  readonly nc: NatsConnection;
  readonly jsm: JetStreamManager;
  /** The last message the relay published on `events.<tenantId>.<busType>`, or null after `waitMs`. */
  lastEvent(tenantId: string, busType: string, waitMs?: number): Promise<StoredMsg | null>;
  stop(): Promise<void>;
}

/**
 * Real PostgreSQL (a fresh database) and real NATS (a fresh namespace) for the in-process instances that
 * `start` boots. The namespace is set before `start` runs, and `start` must import the service's modules
 * itself (dynamically): controllers read the namespace when their decorators run.
 */
export async function startServiceStack<S extends Started>(
  serviceName: string,
  start: (context: StackContext) => Promise<S>,
): Promise<ServiceStack & S> {
  // Spans are recorded (not exported), so trace context really flows from the client to the relayed events.
  const telemetry = startTelemetry(`${serviceName}-spec`);
  const suffix = randomBytes(5).toString('hex');
  process.env['SWITCHBOARD_NAMESPACE'] = `t${suffix}`;
  const names = busNames(`t${suffix}`);
  const database = await createTestDatabase();
  const databaseUrl = database.url;

  const logger = createLogger(serviceName, {
    level: 'warn',
    write: (line) => (process.env['SB_TEST_LOGS'] ? process.stderr.write(`${line}\n`) : undefined),
  });
  const stopSteps: (() => Promise<unknown> | void)[] = [];
  const identities = testIdentities();
  const started = await start({ databaseUrl, names, logger, identities, onStop: (step) => void stopSteps.push(step) });
  const nc = await connectNats(natsConfigFromEnv(`${serviceName}-spec`));
  const clients = new Map<ServiceName, BusClient>();
  const busAs = (service: ServiceName): BusClient => {
    let client = clients.get(service);
    if (!client) {
      client = BusClient.create(natsConfigFromEnv(`${serviceName}-spec-as-${service}`), identities.identity(service));
      clients.set(service, client);
    }
    return client;
  };
  const bus = busAs('gateway');
  const jsm = await jetstreamManager(nc);

  return {
    ...started,
    databaseUrl,
    names,
    bus,
    busAs,
    identities,
    nc,
    jsm,
    async lastEvent(tenantId, busType, waitMs = 5_000) {
      const deadline = Date.now() + waitMs;
      for (;;) {
        const message = await jsm.streams.getMessage(names.eventsStream, { last_by_subj: names.event(tenantId, busType) });
        if (message || Date.now() > deadline) return message;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop() {
      for (const client of clients.values()) await client.close();
      for (const service of started.services) await service.close();
      for (const step of stopSteps) await step();
      await jsm.streams.delete(names.eventsStream).catch(() => false);
      await nc.drain();
      await database.drop();
      await telemetry.shutdown();
    },
  };
}
