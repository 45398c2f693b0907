import type { DataSource } from 'typeorm';

export interface Migration {
  readonly id: string;
  readonly sql: readonly string[];
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Schema names are interpolated into SQL, so only plain lower-case identifiers are accepted. */
export function schemaIdentifier(schema: string): string {
  if (!IDENTIFIER.test(schema)) throw new Error(`invalid schema name "${schema}" (expected ${IDENTIFIER.source})`);
  return `"${schema}"`;
}

/** The migrations of `all` not yet applied, in the order given; ids must be unique. */
export function pendingMigrations(all: readonly Migration[], applied: ReadonlySet<string>): Migration[] {
  const seen = new Set<string>();
  for (const m of all) {
    if (seen.has(m.id)) throw new Error(`duplicate migration id "${m.id}"`);
    seen.add(m.id);
  }
  return all.filter((m) => !applied.has(m.id));
}

/**
 * Creates the schema and `<schema>.schema_migrations`, then applies the missing migrations in order,
 * each in its own transaction with `search_path` set to the schema. A session advisory lock per schema
 * lets replicas start together: one migrates, the others wait and then find nothing to do.
 */
export async function runMigrations(ds: DataSource, schema: string, migrations: readonly Migration[]): Promise<void> {
  const q = schemaIdentifier(schema);
  const runner = ds.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [`switchboard.migrations.${schema}`]);
    try {
      await runner.query(`CREATE SCHEMA IF NOT EXISTS ${q}`);
      await runner.query(
        `CREATE TABLE IF NOT EXISTS ${q}.schema_migrations (
           id text PRIMARY KEY,
           applied_at timestamptz NOT NULL DEFAULT now()
         )`,
      );
      const rows: { id: string }[] = await runner.query(`SELECT id FROM ${q}.schema_migrations`);
      for (const migration of pendingMigrations(migrations, new Set(rows.map((r) => r.id)))) {
        await runner.startTransaction();
        try {
          await runner.query(`SET LOCAL search_path TO ${q}, public`);
          for (const statement of migration.sql) await runner.query(statement);
          await runner.query(`INSERT INTO ${q}.schema_migrations (id) VALUES ($1)`, [migration.id]);
          await runner.commitTransaction();
        } catch (err) {
          await runner.rollbackTransaction();
          throw new Error(`migration ${schema}/${migration.id} failed: ${(err as Error).message}`, { cause: err });
        }
      }
    } finally {
      await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [`switchboard.migrations.${schema}`]);
    }
  } finally {
    await runner.release();
  }
}
