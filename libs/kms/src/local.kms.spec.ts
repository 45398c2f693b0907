import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KmsError } from './kms.port.js';
import { LocalKms } from './local.kms.js';

const context = { tenantId: 'ten_1', secretId: 'sec_1', version: '1' };

const codeOf = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'no error',
    (error: unknown) => (error instanceof KmsError ? error.code : `unexpected ${String(error)}`),
  );

describe('LocalKms', () => {
  let root: string;
  let dir: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'local-kms-'));
    dir = join(root, 'kms');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('creates a 0700 directory with one 0600 key file and a current marker on first start', () => {
    const kms = LocalKms.open({ dir });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const keyFile = join(dir, `${kms.keyId}.key`);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64')).toHaveLength(32);
    expect(readFileSync(join(dir, 'current'), 'utf8').trim()).toBe(kms.keyId);
    expect(readdirSync(dir).sort()).toEqual([`${kms.keyId}.key`, 'current'].sort());
  });

  it('reopens the same key on the next start', async () => {
    const first = LocalKms.open({ dir });
    const dataKey = await first.generateDataKey(context);
    const second = LocalKms.open({ dir });
    expect(second.keyId).toBe(first.keyId);
    expect(await second.decryptDataKey(dataKey.wrapped, context)).toEqual(dataKey.plaintext);
  });

  it('wraps a fresh 32-byte data key that unwraps only with the same context', async () => {
    const kms = LocalKms.open({ dir });
    const a = await kms.generateDataKey(context);
    const b = await kms.generateDataKey(context);
    expect(a.plaintext).toHaveLength(32);
    expect(a.plaintext).not.toEqual(b.plaintext);
    expect(a.keyId).toBe(kms.keyId);
    expect(kms.keyIdOf(a.wrapped)).toBe(kms.keyId);
    expect(await kms.decryptDataKey(a.wrapped, context, a.keyId)).toEqual(a.plaintext);

    const { version: _version, ...missing } = context;
    for (const other of [{ ...context, version: '2' }, missing, { ...context, extra: 'x' }, { ...context, tenantId: 'ten_2' }]) {
      expect(await codeOf(kms.decryptDataKey(a.wrapped, other))).toBe('kms_decrypt_failed');
    }
  });

  it('refuses tampered or foreign blobs', async () => {
    const kms = LocalKms.open({ dir });
    const { wrapped } = await kms.generateDataKey(context);
    const flipped = Buffer.from(wrapped);
    flipped[flipped.length - 1] ^= 1;
    expect(await codeOf(kms.decryptDataKey(flipped, context))).toBe('kms_decrypt_failed');
    expect(await codeOf(kms.decryptDataKey(wrapped.subarray(0, 20), context))).toBe('kms_decrypt_failed');
    expect(await codeOf(kms.decryptDataKey(Buffer.alloc(0), context))).toBe('kms_decrypt_failed');
    expect(await codeOf(kms.decryptDataKey(wrapped, context, 'local-other'))).toBe('kms_decrypt_failed');
    expect(kms.keyIdOf(Buffer.from('garbage'))).toBeUndefined();

    const stranger = LocalKms.open({ dir: join(root, 'elsewhere') });
    expect(await codeOf(stranger.decryptDataKey(wrapped, context))).toBe('kms_key_not_found');
  });

  it('re-encrypts to a new key, which then decrypts it', async () => {
    const kms = LocalKms.open({ dir });
    const oldKeyId = kms.keyId;
    const dataKey = await kms.generateDataKey(context);
    const newKeyId = kms.createKey();
    expect(newKeyId).not.toBe(oldKeyId);
    expect(kms.keyId).toBe(newKeyId);
    expect(statSync(join(dir, `${newKeyId}.key`)).mode & 0o777).toBe(0o600);

    const rewrapped = await kms.reEncryptDataKey(dataKey.wrapped, context, newKeyId);
    expect(rewrapped.keyId).toBe(newKeyId);
    expect(kms.keyIdOf(rewrapped.wrapped)).toBe(newKeyId);
    expect(await kms.decryptDataKey(rewrapped.wrapped, context, newKeyId)).toEqual(dataKey.plaintext);
    expect(await codeOf(kms.decryptDataKey(rewrapped.wrapped, { ...context, version: '2' }))).toBe('kms_decrypt_failed');
    expect(await codeOf(kms.reEncryptDataKey(dataKey.wrapped, { ...context, version: '2' }, newKeyId))).toBe('kms_decrypt_failed');
    expect(await codeOf(kms.reEncryptDataKey(dataKey.wrapped, context, 'local-missing'))).toBe('kms_key_not_found');

    // Another process sharing the directory: current key from the marker, old key still loads on demand.
    const restarted = LocalKms.open({ dir });
    expect(restarted.keyId).toBe(newKeyId);
    expect(await restarted.decryptDataKey(dataKey.wrapped, context)).toEqual(dataKey.plaintext);
  });

  it('refuses key files readable by group or others', async () => {
    const kms = LocalKms.open({ dir });
    chmodSync(join(dir, `${kms.keyId}.key`), 0o644);
    expect(() => LocalKms.open({ dir })).toThrow(/chmod 600/);
  });

  it('does not follow key ids outside the directory', async () => {
    const kms = LocalKms.open({ dir });
    const { wrapped } = await kms.generateDataKey(context);
    const id = Buffer.from('../kms/current', 'utf8');
    const forged = Buffer.concat([Buffer.from([1, id.length]), id, wrapped.subarray(2 + wrapped[1])]);
    expect(await codeOf(kms.decryptDataKey(forged, context))).toBe('kms_key_not_found');
  });

  it('runs from a single master key, named after the key', async () => {
    const masterKey = randomBytes(32);
    const kms = LocalKms.open({ masterKey });
    expect(kms.keyId).toMatch(/^env-[0-9a-f]{16}$/);
    expect(LocalKms.open({ masterKey: Buffer.from(masterKey) }).keyId).toBe(kms.keyId);
    const dataKey = await kms.generateDataKey(context);
    expect(await kms.decryptDataKey(dataKey.wrapped, context)).toEqual(dataKey.plaintext);
    expect(await codeOf(LocalKms.open({ masterKey: randomBytes(32) }).decryptDataKey(dataKey.wrapped, context))).toBe('kms_key_not_found');
    expect(() => kms.createKey()).toThrow(/KMS_LOCAL_DIR/);
    expect(() => LocalKms.open({ masterKey: randomBytes(16) })).toThrow(/32 bytes/);
  });
});
