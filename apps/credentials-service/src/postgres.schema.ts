import { DataSource } from 'typeorm';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/switchboard';

/** Postgres SQLSTATE unique_violation: raised when replicas run CREATE SCHEMA IF NOT EXISTS at the same time. */
const UNIQUE_VIOLATION = '23505';

export function createServiceDataSource(url: string, applicationName: string): DataSource {
  return new DataSource({ type: 'postgres', url, applicationName, connectTimeoutMS: 5000, poolSize: 10 });
}

export async function ensureSchema(dataSource: DataSource, schema: string): Promise<void> {
  try {
    await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } catch (error) {
    if ((error as { code?: unknown }).code !== UNIQUE_VIOLATION) throw error;
  }
}
