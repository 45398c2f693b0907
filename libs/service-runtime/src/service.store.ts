import { createDataSource, PgEventStore, runMigrations, type Migration } from '@switchboard/event-store';
import { busNamesFromEnv } from '@switchboard/messaging';

/** What an event-sourced service declares once about itself; the runtime does the rest the same way for all. */
export interface ServiceDefinition {
  /** Postgres application_name, NATS queue group and Nest connection name. */
  readonly name: string;
  /** The service's own Postgres schema: event store and read models. */
  readonly schema: string;
  /** Maps a stored event type to the bus type its outbox rows are published under. */
  readonly busTypeOf: (eventType: string) => string;
  /** The service's own migrations (read models, …), applied after the event store's. */
  readonly migrations: readonly Migration[];
}

/** Opens the data source on the service's schema with all its migrations applied; destroys it again on failure. */
export async function openServiceStore(service: ServiceDefinition, databaseUrl: string): Promise<PgEventStore> {
  const dataSource = createDataSource(databaseUrl, { applicationName: service.name });
  await dataSource.initialize();
  try {
    const store = new PgEventStore(dataSource, { schema: service.schema, busNames: busNamesFromEnv(), busTypeOf: service.busTypeOf });
    await store.migrate();
    await runMigrations(dataSource, service.schema, service.migrations);
    return store;
  } catch (err) {
    await dataSource.destroy();
    throw err;
  }
}
