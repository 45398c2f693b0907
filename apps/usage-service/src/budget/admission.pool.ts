import pg from 'pg';
import type { DataSource } from 'typeorm';
import { pgClientConfig } from '@switchboard/event-store';

/**
 * How admissions commit. `durable` waits for the WAL flush like every other write. `fast` (synchronous_commit
 * off, for this pool only) answers once the reservation is committed in memory: Postgres flushes it within
 * a fraction of a second, and the ledger row's lock is held for microseconds instead of a disk flush, which is
 * what bounds admissions per provider. What `fast` gives up: if the Postgres server itself crashes, the
 * reservations of the last fraction of a second before the crash are forgotten, so calls still running then
 * could be joined by others over the limit. Spend is never lost either way (settlement stays durable).
 */
export type AdmissionCommit = 'durable' | 'fast';

/** The connections admissions run on: few, their own, and with the chosen commit mode. */
export function admissionPool(dataSource: DataSource, commit: AdmissionCommit): pg.Pool {
  const pool = new pg.Pool({
    ...pgClientConfig(dataSource),
    application_name: 'usage-service-admissions',
    max: 8,
    ...(commit === 'fast' ? { options: '-c synchronous_commit=off' } : {}),
  });
  // An idle connection that dies (Postgres restarting) is replaced by the next query; only log-worthy.
  pool.on('error', () => undefined);
  return pool;
}
