import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PgEventStore } from '@switchboard/event-store';
import { createTestDatabase, type TestDatabase } from '@switchboard/event-store/testing';
import { LocalKms } from '@switchboard/kms';
import { parseRecipientPublicKey } from '@switchboard/sealing';
import { openEventStore } from '../credentials-service.bootstrap.js';
import { loadServiceKeys } from './service-keys.repository.js';

let database: TestDatabase;
const kmsDir = mkdtempSync(join(tmpdir(), 'sb-kms-keys-'));
let stores: PgEventStore[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  const url = database.url;
  // Three replicas starting together: migrations and key creation must each happen once.
  stores = await Promise.all([openEventStore(url), openEventStore(url), openEventStore(url)]);
});

afterAll(async () => {
  for (const store of stores) await store.dataSource.destroy();
  await database.drop();
  rmSync(kmsDir, { recursive: true, force: true });
});

describe('service keys', () => {
  it('are created once by replicas starting together, and every replica loads the same keys', async () => {
    const kms = LocalKms.open({ dir: kmsDir });
    const loaded = await Promise.all(stores.map((store) => loadServiceKeys(store, kms)));
    const [first] = loaded;
    if (first === undefined) throw new Error('nothing loaded');
    expect(parseRecipientPublicKey(first.transport.publicKey).ok).toBe(true);
    expect(first.fingerprintKey).toHaveLength(32);
    for (const keys of loaded) {
      expect(keys.transport).toEqual(first.transport);
      expect(keys.fingerprintKey.equals(first.fingerprintKey)).toBe(true);
    }
    const rows: { name: string }[] = await stores[0]?.dataSource.query('SELECT name FROM credentials.service_keys ORDER BY name') ?? [];
    expect(rows.map((r) => r.name)).toEqual(['fingerprint-hmac', 'transport-x25519']);

    // A later start loads what is stored rather than making new keys.
    const again = await loadServiceKeys(stores[1] as PgEventStore, LocalKms.open({ dir: kmsDir }));
    expect(again.transport).toEqual(first.transport);
  });

  it('refuses to load keys wrapped under a KMS key it does not have', async () => {
    const otherDir = mkdtempSync(join(tmpdir(), 'sb-kms-other-'));
    try {
      await expect(loadServiceKeys(stores[0] as PgEventStore, LocalKms.open({ dir: otherDir }))).rejects.toMatchObject({ code: 'kms_key_not_found' });
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
    }
  });
});
