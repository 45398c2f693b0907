import { NestFactory } from '@nestjs/core';
import type { INestMicroservice } from '@nestjs/common';
import { createDataSource, OutboxRelay, PgEventStore, runMigrations } from '@switchboard/event-store';
import {
  busNamesFromEnv,
  connectNats,
  ensureEventsStream,
  jetStreamClient,
  natsMicroserviceOptions,
  type NatsConfig,
} from '@switchboard/messaging';
import { NestLogger, type Logger } from '@switchboard/telemetry';
import { AppModule } from './app.module.js';
import { READ_MODEL_MIGRATIONS, SCHEMA } from './read-models/read-models.migrations.js';
import { busTypeOf } from './shared/bus-types.js';

export const SERVICE_NAME = 'providers-service';

export interface ProvidersServiceOptions {
  databaseUrl: string;
  nats: NatsConfig;
  logger: Logger;
}

export interface RunningProvidersService {
  readonly app: INestMicroservice;
  readonly store: PgEventStore;
  /** Stops taking requests, then the relay, then closes NATS and Postgres; safe to call more than once. */
  close(): Promise<void>;
}

/** Opens the data source on the service's schema with its migrations applied (event store and read models). */
export async function openEventStore(databaseUrl: string): Promise<PgEventStore> {
  const dataSource = createDataSource(databaseUrl, { applicationName: SERVICE_NAME });
  await dataSource.initialize();
  try {
    const store = new PgEventStore(dataSource, { schema: SCHEMA, busNames: busNamesFromEnv(), busTypeOf });
    await store.migrate();
    await runMigrations(dataSource, SCHEMA, READ_MODEL_MIGRATIONS);
    return store;
  } catch (err) {
    await dataSource.destroy();
    throw err;
  }
}

/** Everything main() starts, in one place so integration specs boot exactly what production runs. */
export async function startProvidersService(options: ProvidersServiceOptions): Promise<RunningProvidersService> {
  const store = await openEventStore(options.databaseUrl);
  const opened: (() => Promise<unknown>)[] = [() => store.dataSource.destroy()];
  // Undone in reverse order, both on a failed start and on close.
  const undo = async () => {
    for (const step of opened.splice(0).reverse()) await step();
  };
  try {
    const nc = await connectNats(options.nats);
    opened.push(() => nc.drain());
    await ensureEventsStream(nc, busNamesFromEnv());
    const relay = new OutboxRelay(store, jetStreamClient(nc), { logger: options.logger.child({ component: 'outbox-relay' }) });
    relay.start();
    opened.push(() => relay.stop());
    const app = await NestFactory.createMicroservice(AppModule.forRoot(store), {
      ...natsMicroserviceOptions(options.nats, SERVICE_NAME),
      logger: new NestLogger(options.logger.child({ component: 'nest' })),
    });
    // Closed first: requests in flight finish within the transport's grace period and the relay, still
    // running, publishes their events before it stops.
    opened.push(() => app.close());
    await app.listen();

    let closing: Promise<void> | undefined;
    return { app, store, close: () => (closing ??= undo()) };
  } catch (err) {
    await undo();
    throw err;
  }
}
