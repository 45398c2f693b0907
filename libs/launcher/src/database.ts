import pg from 'pg';

const DB_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export const databaseNameOf = (url: string): string => decodeURIComponent(new URL(url).pathname.slice(1));

/** Replaces the database name of a connection URL. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Creates the database a URL names, through the server's `postgres` database, unless it exists. */
export async function createDatabaseIfMissing(url: string): Promise<void> {
  const name = databaseNameOf(url);
  if (!DB_NAME.test(name)) throw new Error(`invalid database name ${name}`);
  const client = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
}
