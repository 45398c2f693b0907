import type { ClientConfig } from 'pg';
import { DataSource } from 'typeorm';

export interface DataSourceOptions {
  poolSize?: number;
  applicationName?: string;
}

/** A Postgres DataSource without entities (all SQL is explicit); call `initialize()` before use. */
export function createDataSource(url: string, options: DataSourceOptions = {}): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: [],
    synchronize: false,
    migrationsRun: false,
    logging: false,
    ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
    ...(options.applicationName === undefined ? {} : { applicationName: options.applicationName }),
  });
}

/** Connection settings of a DataSource, for a dedicated `pg` client (LISTEN needs one connection of its own). */
export function pgClientConfig(ds: DataSource): ClientConfig {
  const o = ds.options;
  if (o.type !== 'postgres') throw new Error(`expected a postgres DataSource, got ${o.type}`);
  return {
    ...(o.url === undefined ? {} : { connectionString: o.url }),
    ...(o.host === undefined ? {} : { host: o.host }),
    ...(o.port === undefined ? {} : { port: o.port }),
    ...(o.username === undefined ? {} : { user: o.username }),
    ...(o.password === undefined ? {} : { password: o.password }),
    ...(o.database === undefined ? {} : { database: o.database }),
    application_name: `${o.applicationName ?? 'switchboard'}-listen`,
  };
}
