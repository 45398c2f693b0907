import { busNames, type BusNames } from '@switchboard/contracts';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../data-source.js';
import type { NewEvent } from '../event-store.types.js';
import { PgEventStore } from '../pg-event-store.js';
import { eventually } from './async-helpers.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

let counter = 0;

/** Event ids unique across spec files, since JetStream dedupes on them. */
export function eventId(): string {
  counter++;
  return `evt_${process.pid}_${Date.now().toString(36)}_${counter}`;
}

export function counterEvent(by = 1): NewEvent {
  return { eventId: eventId(), type: 'Incremented', data: { by } };
}

export interface StoreFixture {
  db: TestDatabase;
  ds: DataSource;
  store: PgEventStore;
  close(): Promise<void>;
}

export async function createStoreFixture(names: BusNames = busNames('tunused')): Promise<StoreFixture> {
  const db = await createTestDatabase();
  const ds = createDataSource(db.url, { poolSize: 12, applicationName: 'event-store-spec' });
  await ds.initialize();
  const store = new PgEventStore(ds, {
    schema: 'es_spec',
    busNames: names,
    busTypeOf: (type) => `counter.${type.toLowerCase()}`,
  });
  await store.migrate();
  return {
    db,
    ds,
    store,
    close: async () => {
      await ds.destroy();
      await db.drop();
    },
  };
}

/**
 * Resolves once a session of this database waits on a lock: proof that two transactions
 * really collide rather than run one after the other.
 */
export function lockWaiter(ds: DataSource): Promise<true> {
  return eventually('a session blocked on a lock', async () => {
    const rows: { n: number }[] = await ds.query(
      `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE NOT l.granted AND a.datname = current_database()`,
    );
    return (rows[0]?.n ?? 0) > 0 ? true : undefined;
  });
}
