import { NestFactory } from '@nestjs/core';
import type { INestMicroservice } from '@nestjs/common';
import { createDataSource, OutboxRelay, PgEventStore, runMigrations } from '@switchboard/event-store';
import type { KmsPort } from '@switchboard/kms';
import {
  BusClient,
  busNamesFromEnv,
  connectNats,
  ensureEventsStream,
  jetStreamClient,
  natsMicroserviceOptions,
  type NatsConfig,
} from '@switchboard/messaging';
import { NestLogger, type Logger } from '@switchboard/telemetry';
import { AppModule } from './app.module.js';
import { startAgentStartConsumer, type AgentStartConsumerOptions } from './issuance/agent-start.consumer.js';
import { IssueCredentialHandler } from './issuance/issue-credential/issue-credential.handler.js';
import { CREDENTIALS_MIGRATIONS, SCHEMA } from './read-models/credentials.migrations.js';
import { ServiceKeys, type ServiceKeysLoaderOptions } from './service-keys/service-keys.js';
import { busTypeOf } from './shared/bus-types.js';
import type { CredentialsSettings } from './shared/credentials.settings.js';

export const SERVICE_NAME = 'credentials-service';

export interface CredentialsServiceOptions {
  databaseUrl: string;
  nats: NatsConfig;
  logger: Logger;
  /** Owned by the caller, who closes it after the service. */
  kms: KmsPort;
  settings: CredentialsSettings;
  serviceKeys?: ServiceKeysLoaderOptions;
  issuer?: AgentStartConsumerOptions;
}

export interface RunningCredentialsService {
  readonly app: INestMicroservice;
  readonly store: PgEventStore;
  readonly serviceKeys: ServiceKeys;
  /** Stops the consumer and requests, then the relay, then closes NATS and Postgres; safe to call more than once. */
  close(): Promise<void>;
}

/** Opens the data source on the service's schema with its migrations applied (event store, read models, envelopes). */
export async function openEventStore(databaseUrl: string): Promise<PgEventStore> {
  const dataSource = createDataSource(databaseUrl, { applicationName: SERVICE_NAME });
  await dataSource.initialize();
  try {
    const store = new PgEventStore(dataSource, { schema: SCHEMA, busNames: busNamesFromEnv(), busTypeOf });
    await store.migrate();
    await runMigrations(dataSource, SCHEMA, CREDENTIALS_MIGRATIONS);
    return store;
  } catch (err) {
    await dataSource.destroy();
    throw err;
  }
}

/** Everything main() starts, in one place so integration specs boot exactly what production runs. */
export async function startCredentialsService(options: CredentialsServiceOptions): Promise<RunningCredentialsService> {
  const { logger } = options;
  const store = await openEventStore(options.databaseUrl);
  const opened: (() => Promise<unknown>)[] = [() => store.dataSource.destroy()];
  // Undone in reverse order, both on a failed start and on close.
  const undo = async () => {
    for (const step of opened.splice(0).reverse()) await step();
  };
  try {
    const names = busNamesFromEnv();
    const nc = await connectNats(options.nats);
    opened.push(() => nc.drain());
    await ensureEventsStream(nc, names);
    const relay = new OutboxRelay(store, jetStreamClient(nc), { logger: logger.child({ component: 'outbox-relay' }) });
    relay.start();
    opened.push(() => relay.stop());
    const bus = BusClient.create({ ...options.nats, name: `${options.nats.name}-client` });
    opened.push(() => bus.close());

    // In the background: with KMS down at start the service still answers health and issues nothing it
    // cannot, and the operations that need these keys answer `unavailable` until they are loaded.
    const serviceKeys = new ServiceKeys();
    serviceKeys.start(store, options.kms, logger.child({ component: 'service-keys' }), options.serviceKeys);
    opened.push(() => serviceKeys.stop());

    const app = await NestFactory.createMicroservice(
      AppModule.forRoot({ store, kms: options.kms, serviceKeys, bus, settings: options.settings }),
      {
        ...natsMicroserviceOptions(options.nats, SERVICE_NAME),
        logger: new NestLogger(logger.child({ component: 'nest' })),
      },
    );
    // Closed before the relay: requests in flight finish within the transport's grace period and the
    // relay, still running, publishes their events before it stops.
    opened.push(() => app.close());
    await app.listen();

    const consumer = await startAgentStartConsumer(nc, names, app.get(IssueCredentialHandler), logger.child({ component: 'issuer' }), options.issuer);
    opened.push(() => consumer.stop());

    let closing: Promise<void> | undefined;
    return { app, store, serviceKeys, close: () => (closing ??= undo()) };
  } catch (err) {
    await undo();
    throw err;
  }
}
