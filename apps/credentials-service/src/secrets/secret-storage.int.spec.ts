import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import pg from 'pg';
import { CredentialsOps, type Actor } from '@switchboard/contracts';
import { decryptSecret, KmsError } from '@switchboard/kms';
import { generateRecipientKeyPair, sealForTransport } from '@switchboard/sealing';
import { adminOf, errorCode, newTenantId, startTestStack, transportKeyOf, value, type TestStack } from '../../test/service.harness.js';
import { secretContext } from './secret-versions.repository.js';

let stack: TestStack;
let transportKey: string;

async function createSecret(actor: Actor, name: string, secret: unknown, kind: 'api_key' | 'headers' = 'api_key') {
  const sealedValue = sealForTransport({ value: secret }, transportKey, { purpose: 'secret.create', tenantId: actor.tenantId ?? '', subject: name });
  return value(await stack.bus.send(CredentialsOps.createSecret, { actor, name, kind, sealedValue }));
}

async function revealCode(actor: Actor, id: string): Promise<string | undefined> {
  return errorCode(await stack.bus.send(CredentialsOps.revealSecret, { actor, id, replyKey: generateRecipientKeyPair().publicKey }));
}

/** Every way a value could be written down: raw, base64, base64url, hex. */
function encodingsOf(secret: string): Buffer[] {
  const raw = Buffer.from(secret, 'utf8');
  return [raw, ...['base64', 'base64url', 'hex'].map((encoding) => Buffer.from(raw.toString(encoding as BufferEncoding), 'utf8'))];
}

/** Where any needle occurs in any column (bytea compared as bytes, the rest as its text or JSON) of any table. */
async function scanDatabase(url: string, needles: readonly Buffer[]): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ schema: string; table: string }>(
      `SELECT table_schema AS schema, table_name AS table FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    const hits: string[] = [];
    for (const { schema, table } of tables.rows) {
      const rows = await client.query<Record<string, unknown>>(`SELECT * FROM "${schema}"."${table}"`);
      for (const row of rows.rows) {
        for (const [column, cell] of Object.entries(row)) {
          const bytes = Buffer.isBuffer(cell) ? cell : Buffer.from(typeof cell === 'string' ? cell : JSON.stringify(cell) ?? '', 'utf8');
          if (needles.some((needle) => bytes.includes(needle))) hits.push(`${schema}.${table}.${column}`);
        }
      }
    }
    return hits;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  stack = await startTestStack();
  transportKey = await transportKeyOf(stack.bus);
});

afterAll(async () => {
  await stack?.stop();
});

describe('secret storage', () => {
  it('never writes a value, in any encoding, to any table or to the events stream', async () => {
    const admin = adminOf(newTenantId());
    const apiKey = `sk-canary-${randomBytes(16).toString('hex')}`;
    const rotatedKey = `sk-canary-${randomBytes(16).toString('hex')}`;
    const headerValue = `hv-canary-${randomBytes(16).toString('hex')}`;
    const secret = await createSecret(admin, 'canary', apiKey);
    await createSecret(admin, 'canary headers', { 'X-Canary': headerValue }, 'headers');
    const sealedValue = sealForTransport({ value: rotatedKey }, transportKey, { purpose: 'secret.rotate', tenantId: admin.tenantId ?? '', subject: secret.id });
    value(await stack.bus.send(CredentialsOps.rotateSecret, { actor: admin, id: secret.id, sealedValue }));
    value(await stack.bus.send(CredentialsOps.revealSecret, { actor: admin, id: secret.id, replyKey: generateRecipientKeyPair().publicKey }));
    await stack.lastEvent(admin.tenantId ?? '', 'secret.revealed');

    // The scanner does find what is there (the secret's name), so an empty answer below means something.
    expect(await scanDatabase(stack.databaseUrl, [Buffer.from('canary headers')])).toContain('credentials.secrets.name');
    const needles = [apiKey, rotatedKey, headerValue].flatMap(encodingsOf);
    expect(await scanDatabase(stack.databaseUrl, needles)).toEqual([]);
    const rows = await stack.query<{ n: number }>('SELECT count(*)::int AS n FROM credentials.secret_versions');
    expect(rows[0]?.n).toBeGreaterThanOrEqual(3);

    const jsm = await jetstreamManager(stack.nc);
    const info = await jsm.streams.info(stack.names.eventsStream);
    expect(info.state.messages).toBeGreaterThan(0);
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const message = await jsm.streams.getMessage(stack.names.eventsStream, { seq });
      if (message !== null) expect(needles.some((needle) => Buffer.from(message.data).includes(needle))).toBe(false);
    }
  });

  it('keeps the service keys enveloped: no row holds a raw X25519 or HMAC key', async () => {
    const keys = await stack.query<{ name: string; kms_key_id: string; ciphertext: Buffer }>(
      'SELECT name, kms_key_id, ciphertext FROM credentials.service_keys ORDER BY name',
    );
    expect(keys.map((k) => k.name)).toEqual(['fingerprint-hmac', 'transport-x25519']);
    expect(keys.every((k) => k.kms_key_id === stack.kms.keyId)).toBe(true);
    const material = stack.service.serviceKeys.current();
    if (!material.ok) throw new Error('service keys not loaded');
    const privateKey = Buffer.from(material.value.transport.privateKey, 'base64');
    expect(await scanDatabase(stack.databaseUrl, [privateKey, material.value.fingerprintKey, Buffer.from(material.value.transport.privateKey)])).toEqual([]);
  });

  it('does not decrypt a ciphertext row moved to another secret, tenant or version', async () => {
    const owner = adminOf(newTenantId());
    const stranger = adminOf(newTenantId());
    const original = await createSecret(owner, 'original', 'sk-original-0123456789');
    const sameTenant = await createSecret(owner, 'neighbour', 'sk-neighbour-0123456789');
    const otherTenant = await createSecret(stranger, 'foreign', 'sk-foreign-0123456789');
    const rotated = await createSecret(owner, 'rotated', 'sk-rotated-v1-0123456789');
    const sealedValue = sealForTransport({ value: 'sk-rotated-v2-0123456789' }, transportKey, {
      purpose: 'secret.rotate',
      tenantId: owner.tenantId ?? '',
      subject: rotated.id,
    });
    value(await stack.bus.send(CredentialsOps.rotateSecret, { actor: owner, id: rotated.id, sealedValue }));

    const moveEnvelope = (from: { id: string; version: number }, to: { id: string; version: number }) =>
      stack.query(
        `UPDATE credentials.secret_versions t SET wrapped_key = s.wrapped_key, kms_key_id = s.kms_key_id, iv = s.iv, ciphertext = s.ciphertext, tag = s.tag
           FROM credentials.secret_versions s
          WHERE s.secret_id = $1 AND s.version = $2 AND t.secret_id = $3 AND t.version = $4`,
        [from.id, from.version, to.id, to.version],
      );
    await moveEnvelope({ id: original.id, version: 1 }, { id: sameTenant.id, version: 1 });
    await moveEnvelope({ id: original.id, version: 1 }, { id: otherTenant.id, version: 1 });
    await moveEnvelope({ id: rotated.id, version: 1 }, { id: rotated.id, version: 2 });

    expect(await revealCode(owner, original.id)).toBeUndefined();
    expect(await revealCode(owner, sameTenant.id)).toBe('internal');
    expect(await revealCode(stranger, otherTenant.id)).toBe('internal');
    expect(await revealCode(owner, rotated.id)).toBe('internal');

    const [moved] = await stack.query<{ wrapped_key: Buffer; kms_key_id: string; iv: Buffer; ciphertext: Buffer; tag: Buffer }>(
      'SELECT wrapped_key, kms_key_id, iv, ciphertext, tag FROM credentials.secret_versions WHERE secret_id = $1',
      [otherTenant.id],
    );
    if (moved === undefined) throw new Error('row missing');
    const envelope = { wrappedKey: moved.wrapped_key, kmsKeyId: moved.kms_key_id, iv: moved.iv, ciphertext: moved.ciphertext, tag: moved.tag };
    const attempt = decryptSecret(stack.kms, envelope, secretContext(stranger.tenantId ?? '', otherTenant.id, 1));
    await expect(attempt).rejects.toBeInstanceOf(KmsError);
    await expect(attempt).rejects.toMatchObject({ code: 'kms_decrypt_failed' });
    // Where it came from, it still opens: the row itself is intact, only its context changed.
    const home = await decryptSecret(stack.kms, envelope, secretContext(owner.tenantId ?? '', original.id, 1));
    expect(home.toString('utf8')).toBe('sk-original-0123456789');
    home.fill(0);
  });
});
