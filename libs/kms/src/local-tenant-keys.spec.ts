import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { decryptSecret, encryptSecret } from './envelope.cipher.js';
import { KmsError } from './kms.port.js';
import { LocalKms } from './local.kms.js';

const context = { tenantId: 'ten_1', secretId: 'sec_1', version: '1' };
const secret = Buffer.from('sk-tenant-0123456789');

const codeOf = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'no error',
    (error: unknown) => (error instanceof KmsError ? error.code : `unexpected ${String(error)}`),
  );

describe('LocalKms tenant keys', () => {
  let root: string;
  let dir: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'local-kms-tenant-'));
    dir = join(root, 'kms');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('creates the tenant key on first use (0600, in the key directory) and answers the same key afterwards', async () => {
    const kms = LocalKms.open({ dir });
    const keyId = await kms.tenantKeyId('ten_1');
    expect(keyId).toBe('tenant-ten_1');
    expect(statSync(join(dir, 'tenant-ten_1.key')).mode & 0o777).toBe(0o600);
    expect(await kms.tenantKeyId('ten_1')).toBe(keyId);
    expect(await LocalKms.open({ dir }).tenantKeyId('ten_1')).toBe(keyId);
    // New data keys of other callers stay under the current key.
    expect(kms.keyId).not.toBe(keyId);
  });

  it('wraps data keys under the tenant key when asked, and they open in another process sharing the directory', async () => {
    const kms = LocalKms.open({ dir });
    const keyId = (await kms.tenantKeyId('ten_1')) ?? '';
    const envelope = await encryptSecret(kms, secret, context, keyId);
    expect(envelope.kmsKeyId).toBe(keyId);
    expect(kms.keyIdOf(envelope.wrappedKey)).toBe(keyId);
    expect(await decryptSecret(LocalKms.open({ dir }), envelope, context)).toEqual(secret);
  });

  it('destroys the tenant key: no blob it wrapped opens again, in this process or any other, and it is never made again', async () => {
    const kms = LocalKms.open({ dir });
    const other = LocalKms.open({ dir });
    const keyId = (await kms.tenantKeyId('ten_1')) ?? '';
    const envelope = await encryptSecret(kms, secret, context, keyId);
    const bystander = await encryptSecret(kms, secret, { ...context, tenantId: 'ten_2' }, (await kms.tenantKeyId('ten_2')) ?? '');
    expect(await decryptSecret(other, envelope, context)).toEqual(secret);

    const destroyed = await kms.destroyTenantKey('ten_1');
    expect(destroyed).toEqual({ keyId, deletionDate: expect.any(String) });
    expect(readdirSync(dir)).not.toContain('tenant-ten_1.key');
    for (const replica of [kms, other, LocalKms.open({ dir })]) {
      expect(await codeOf(decryptSecret(replica, envelope, context))).toBe('kms_key_not_found');
      expect(await codeOf(replica.reEncryptDataKey(envelope.wrappedKey, context, replica.keyId))).toBe('kms_key_not_found');
      expect(await codeOf(replica.tenantKeyId('ten_1'))).toBe('kms_key_not_found');
      expect(await codeOf(replica.generateDataKey(context, keyId))).toBe('kms_key_not_found');
    }
    expect(await decryptSecret(other, bystander, { ...context, tenantId: 'ten_2' })).toEqual(secret);
  });

  it('destroys idempotently, also a tenant that never had a key', async () => {
    const kms = LocalKms.open({ dir });
    await kms.tenantKeyId('ten_1');
    expect((await kms.destroyTenantKey('ten_1')).keyId).toBe('tenant-ten_1');
    expect(await kms.destroyTenantKey('ten_1')).toEqual({ keyId: null, deletionDate: null });
    expect(await kms.destroyTenantKey('ten_never')).toEqual({ keyId: null, deletionDate: null });
    expect(await codeOf(kms.tenantKeyId('ten_never'))).toBe('kms_key_not_found');
  });

  it('refuses tenant ids that are not safe in a file name', async () => {
    const kms = LocalKms.open({ dir });
    for (const bad of ['../current', 'a/b', '', 'x'.repeat(101)]) {
      expect(await codeOf(kms.tenantKeyId(bad))).toBe('kms_key_not_found');
      expect(await codeOf(kms.destroyTenantKey(bad))).toBe('kms_key_not_found');
    }
  });

  it('has no tenant keys with a single master key: null, and destruction is unsupported', async () => {
    const kms = LocalKms.open({ masterKey: randomBytes(32) });
    expect(await kms.tenantKeyId('ten_1')).toBeNull();
    expect(await codeOf(kms.destroyTenantKey('ten_1'))).toBe('kms_unsupported');
  });
});
