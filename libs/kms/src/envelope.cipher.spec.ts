import { jest } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decryptSecret, encryptSecret, rewrapSecret, type SecretEnvelope } from './envelope.cipher.js';
import { KmsError, type DataKey } from './kms.port.js';
import { LocalKms } from './local.kms.js';

const context = { tenantId: 'ten_1', secretId: 'sec_1', version: '1' };
const secret = Buffer.from('sk-live-0123456789abcdefghijklmnopqrstuvwxyz');

const codeOf = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'no error',
    (error: unknown) => (error instanceof KmsError ? error.code : `unexpected ${String(error)}`),
  );

const flip = (bytes: Buffer, index = 0): Buffer => {
  const copy = Buffer.from(bytes);
  copy[index] ^= 0x01;
  return copy;
};

describe('envelope encryption (local KMS)', () => {
  let root: string;
  let kms: LocalKms;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'envelope-'));
    kms = LocalKms.open({ dir: join(root, 'kms') });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('round-trips with a fresh data key and iv per secret', async () => {
    const a = await encryptSecret(kms, secret, context);
    const b = await encryptSecret(kms, secret, context);
    expect(a.kmsKeyId).toBe(kms.keyId);
    expect(a.iv).toHaveLength(12);
    expect(a.tag).toHaveLength(16);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
    expect(a.wrappedKey.equals(b.wrappedKey)).toBe(false);
    expect(a.ciphertext.includes(secret)).toBe(false);
    expect(await decryptSecret(kms, a, context)).toEqual(secret);
  });

  describe('tampering', () => {
    let envelope: SecretEnvelope;
    beforeEach(async () => {
      envelope = await encryptSecret(kms, secret, context);
    });

    const { version: _version, ...withoutVersion } = context;
    it.each([
      ['a changed pair', { ...context, version: '2' }],
      ['a missing pair', withoutVersion],
      ['an added pair', { ...context, purpose: 'reveal' }],
      ['another tenant', { ...context, tenantId: 'ten_2' }],
      ['another secret', { ...context, secretId: 'sec_2' }],
      ['an empty context', {}],
    ])('fails with %s', async (_label, other) => {
      expect(await codeOf(decryptSecret(kms, envelope, other))).toBe('kms_decrypt_failed');
    });

    it('fails for any changed byte', async () => {
      for (const tampered of [
        { ...envelope, ciphertext: flip(envelope.ciphertext) },
        { ...envelope, ciphertext: flip(envelope.ciphertext, envelope.ciphertext.length - 1) },
        { ...envelope, ciphertext: envelope.ciphertext.subarray(1) },
        { ...envelope, tag: flip(envelope.tag, 15) },
        { ...envelope, iv: flip(envelope.iv) },
        { ...envelope, wrappedKey: flip(envelope.wrappedKey, envelope.wrappedKey.length - 1) },
        { ...envelope, iv: Buffer.alloc(16) },
      ]) {
        expect(await codeOf(decryptSecret(kms, tampered, context))).toBe('kms_decrypt_failed');
      }
    });

    it('fails when the ciphertext is moved to another secret or tenant', async () => {
      for (const target of [{ ...context, secretId: 'sec_2' }, { ...context, tenantId: 'ten_2' }]) {
        const other = await encryptSecret(kms, Buffer.from('another value entirely'), target);
        const moved = { ...other, iv: envelope.iv, ciphertext: envelope.ciphertext, tag: envelope.tag };
        expect(await codeOf(decryptSecret(kms, moved, target))).toBe('kms_decrypt_failed');
        expect(await codeOf(decryptSecret(kms, envelope, target))).toBe('kms_decrypt_failed');
      }
    });

    it('tells {"a":"bc"} and {"ab":"c"} apart', async () => {
      const sealed = await encryptSecret(kms, secret, { a: 'bc' });
      expect(await codeOf(decryptSecret(kms, sealed, { ab: 'c' }))).toBe('kms_decrypt_failed');
      expect(await decryptSecret(kms, sealed, { a: 'bc' })).toEqual(secret);
    });
  });

  it('zeroes every data key it was handed', async () => {
    const generate = jest.spyOn(kms, 'generateDataKey');
    const unwrap = jest.spyOn(kms, 'decryptDataKey');
    const envelope = await encryptSecret(kms, secret, context);
    await decryptSecret(kms, envelope, context);
    await codeOf(decryptSecret(kms, { ...envelope, tag: flip(envelope.tag) }, context));

    const generated = (await generate.mock.results[0].value) as DataKey;
    const unwrapped = await Promise.all(unwrap.mock.results.map((r) => r.value as Promise<Buffer>));
    expect(unwrapped).toHaveLength(2);
    for (const key of [generated.plaintext, ...unwrapped]) {
      expect(key).toHaveLength(32);
      expect(key.every((b) => b === 0)).toBe(true);
    }
  });

  it('re-wraps under a new KMS key without touching the ciphertext', async () => {
    const envelope = await encryptSecret(kms, secret, context);
    const newKeyId = kms.createKey();
    const rewrapped = await rewrapSecret(kms, envelope, context, newKeyId);
    expect(rewrapped.kmsKeyId).toBe(newKeyId);
    expect(rewrapped.ciphertext).toBe(envelope.ciphertext);
    expect(await decryptSecret(kms, rewrapped, context)).toEqual(secret);
    expect(await codeOf(decryptSecret(kms, { ...rewrapped, kmsKeyId: envelope.kmsKeyId }, context))).toBe('kms_decrypt_failed');
  });
});
