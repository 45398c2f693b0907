import type { DataSource } from 'typeorm';
import { createDataSource } from './data-source.js';
import { runMigrations, type Migration } from './migrations.js';
import { createTestDatabase, type TestDatabase } from './testing/test-database.js';

let db: TestDatabase;
let first: DataSource;
let second: DataSource;

beforeAll(async () => {
  db = await createTestDatabase();
  first = createDataSource(db.url, { poolSize: 2 });
  second = createDataSource(db.url, { poolSize: 2 });
  await Promise.all([first.initialize(), second.initialize()]);
});
afterAll(async () => {
  await Promise.all([first.destroy(), second.destroy()]);
  await db.drop();
});

const migrations: Migration[] = [
  // pg_sleep widens the window in which a second replica would re-run the migration without the lock.
  { id: '001-items', sql: ['SELECT pg_sleep(0.2)', 'CREATE TABLE items (id text PRIMARY KEY)'] },
  { id: '002-items-name', sql: ['ALTER TABLE items ADD COLUMN name text'] },
];

describe('runMigrations', () => {
  it('applies each migration once when replicas start together, in the schema given', async () => {
    await Promise.all([runMigrations(first, 'svc_a', migrations), runMigrations(second, 'svc_a', migrations)]);
    const applied: { id: string }[] = await first.query('SELECT id FROM svc_a.schema_migrations ORDER BY applied_at, id');
    expect(applied.map((r) => r.id)).toEqual(['001-items', '002-items-name']);
    await first.query(`INSERT INTO svc_a.items (id, name) VALUES ('i1', 'one')`);
  });

  it('rolls a failing migration back entirely and does not record it', async () => {
    const broken: Migration[] = [
      ...migrations,
      { id: '003-broken', sql: ['CREATE TABLE half_done (id int)', 'SELECT no_such_function()'] },
    ];
    await expect(runMigrations(first, 'svc_a', broken)).rejects.toThrow(/migration svc_a\/003-broken failed/);
    const tables: unknown[] = await first.query(`SELECT 1 FROM information_schema.tables WHERE table_schema = 'svc_a' AND table_name = 'half_done'`);
    expect(tables).toEqual([]);
    const applied: unknown[] = await first.query(`SELECT 1 FROM svc_a.schema_migrations WHERE id = '003-broken'`);
    expect(applied).toEqual([]);
    // The advisory lock was released: another run can proceed.
    await runMigrations(second, 'svc_a', migrations);
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    await expect(runMigrations(first, 'svc; DROP', migrations)).rejects.toThrow(/invalid schema name/);
  });
});
