import pg from 'pg';
import type { DataSource } from 'typeorm';
import { pgClientConfig } from '@switchboard/event-store';

/**
 * The connections the usage projection writes on: its own, so that its batch statement is prepared once per
 * connection (TypeORM's queries are unnamed, parsed and planned on every run). The batcher writes one batch at a
 * time per replica; the second connection only covers a reconnect. Commits stay durable (synchronous_commit as
 * the server has it): a call is acknowledged on the bus after its batch committed, and only a flushed commit may
 * take it off the stream.
 */
export function projectionPool(dataSource: DataSource): pg.Pool {
  const pool = new pg.Pool({ ...pgClientConfig(dataSource), application_name: 'usage-service-projection', max: 2 });
  // An idle connection that dies (Postgres restarting) is replaced by the next batch, which fails and is retried.
  pool.on('error', () => undefined);
  return pool;
}
