import { pendingMigrations, schemaIdentifier } from './migrations.js';

describe('schemaIdentifier', () => {
  it('quotes plain identifiers and refuses anything else', () => {
    expect(schemaIdentifier('providers')).toBe('"providers"');
    for (const bad of ['', 'Providers', 'a-b', 'a"b', '1abc', 'x; DROP TABLE y', 'a'.repeat(64)]) {
      expect(() => schemaIdentifier(bad)).toThrow(/invalid schema name/);
    }
  });
});

describe('pendingMigrations', () => {
  const all = [
    { id: '001', sql: [] },
    { id: '002', sql: [] },
    { id: '003', sql: [] },
  ];

  it('keeps the given order and drops applied ids', () => {
    expect(pendingMigrations(all, new Set(['002'])).map((m) => m.id)).toEqual(['001', '003']);
  });

  it('refuses duplicate ids', () => {
    expect(() => pendingMigrations([...all, { id: '001', sql: [] }], new Set())).toThrow(/duplicate migration id "001"/);
  });
});
