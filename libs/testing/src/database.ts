import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDatabaseIfMissing, withDatabase } from '@switchboard/launcher';

export { withDatabase };

/** The server test databases are created on; read when used, so a test may point it at a server of its own. */
export function adminDatabaseUrl(): string {
  return process.env.SWITCHBOARD_TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminDatabaseUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const DB_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Creates a database on the test server if it does not exist; returns its URL. */
export async function ensureDatabase(name: string): Promise<string> {
  const url = withDatabase(adminDatabaseUrl(), name);
  await createDatabaseIfMissing(url);
  return url;
}

/** A database of its own for one test file: `sb_t_<random>`. */
export async function createTestDatabase(): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `sb_t_${randomBytes(6).toString('hex')}`;
  const url = await ensureDatabase(name);
  return { name, url, drop: () => dropDatabase(name) };
}

export async function dropDatabase(name: string): Promise<void> {
  if (!DB_NAME.test(name)) throw new Error(`invalid database name ${name}`);
  await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

/** Every text column of every table of every schema but the system ones, as one string: for secret scans. */
export async function dumpDatabase(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ schema: string; table: string }>(
      `SELECT table_schema AS schema, table_name AS table FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    const parts: string[] = [];
    for (const t of tables.rows) {
      const rows = await client.query(`SELECT * FROM "${t.schema}"."${t.table}"`);
      parts.push(`${t.schema}.${t.table}\n${JSON.stringify(rows.rows)}`);
    }
    return parts.join('\n');
  } finally {
    await client.end();
  }
}
