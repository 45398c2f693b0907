import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { KmsEmulator } from '@switchboard/testing';
import { AwsKms } from './aws.kms.js';
import { decryptSecret, encryptSecret, rewrapSecret, type SecretEnvelope } from './envelope.cipher.js';
import { KmsError } from './kms.port.js';

const context = { tenantId: 'ten_1', secretId: 'sec_1', version: '1' };
const secret = Buffer.from('sk-live-0123456789abcdefghijklmnopqrstuvwxyz');
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

const codeOf = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'no error',
    (error: unknown) => (error instanceof KmsError ? error.code : `unexpected ${String(error)}`),
  );

const timed = async (promise: Promise<unknown>): Promise<{ code: string; ms: number }> => {
  const started = performance.now();
  const code = await codeOf(promise);
  return { code, ms: performance.now() - started };
};

const flip = (bytes: Buffer, index = 0): Buffer => {
  const copy = Buffer.from(bytes);
  copy[index] ^= 0x01;
  return copy;
};

describe('AwsKms against the KMS emulator (real @aws-sdk/client-kms)', () => {
  let emulator: KmsEmulator;
  let kms: AwsKms;
  let keyArn: string;

  beforeAll(async () => {
    emulator = await new KmsEmulator().start();
    keyArn = emulator.createKey();
    kms = new AwsKms({ keyId: keyArn, endpoint: emulator.endpoint, region: 'us-east-1', credentials });
  });

  afterAll(async () => {
    kms.close();
    await emulator.stop();
  });

  it('round-trips a secret; the key ARN is returned for storage and blobs stay opaque', async () => {
    const envelope = await encryptSecret(kms, secret, context);
    expect(envelope.kmsKeyId).toBe(keyArn);
    expect(kms.keyIdOf()).toBeUndefined();
    expect(await decryptSecret(kms, envelope, context)).toEqual(secret);
    expect(emulator.calls().slice(-2).map((c) => c.op)).toEqual(['GenerateDataKey', 'Decrypt']);
  });

  describe('tampering (emulator answers 400 InvalidCiphertextException)', () => {
    let envelope: SecretEnvelope;
    beforeAll(async () => {
      envelope = await encryptSecret(kms, secret, context);
    });

    const { version: _version, ...withoutVersion } = context;
    it.each([
      ['a changed pair', { ...context, version: '2' }],
      ['a missing pair', withoutVersion],
      ['an added pair', { ...context, purpose: 'reveal' }],
      ['another tenant', { ...context, tenantId: 'ten_2' }],
      ['another secret', { ...context, secretId: 'sec_2' }],
    ])('fails with %s', async (_label, other) => {
      expect(await codeOf(decryptSecret(kms, envelope, other))).toBe('kms_decrypt_failed');
    });

    it('fails for any changed byte, in the wrapped key or the ciphertext', async () => {
      for (const tampered of [
        { ...envelope, wrappedKey: flip(envelope.wrappedKey, envelope.wrappedKey.length - 1) },
        { ...envelope, wrappedKey: flip(envelope.wrappedKey, 0) },
        { ...envelope, ciphertext: flip(envelope.ciphertext) },
        { ...envelope, tag: flip(envelope.tag, 15) },
        { ...envelope, iv: flip(envelope.iv) },
      ]) {
        expect(await codeOf(decryptSecret(kms, tampered, context))).toBe('kms_decrypt_failed');
      }
    });

    it('fails when the ciphertext is moved to another secret or tenant', async () => {
      for (const target of [{ ...context, secretId: 'sec_2' }, { ...context, tenantId: 'ten_2' }]) {
        const other = await encryptSecret(kms, Buffer.from('another value entirely'), target);
        expect(await codeOf(decryptSecret(kms, { ...other, iv: envelope.iv, ciphertext: envelope.ciphertext, tag: envelope.tag }, target))).toBe(
          'kms_decrypt_failed',
        );
      }
    });

    it('tells {"a":"bc"} and {"ab":"c"} apart', async () => {
      const sealed = await encryptSecret(kms, secret, { a: 'bc' });
      expect(await codeOf(decryptSecret(kms, sealed, { ab: 'c' }))).toBe('kms_decrypt_failed');
    });

    it('refuses a blob presented with another key id (IncorrectKeyException)', async () => {
      expect(await codeOf(decryptSecret(kms, { ...envelope, kmsKeyId: emulator.createKey() }, context))).toBe('kms_decrypt_failed');
    });
  });

  it('reports an unknown key as kms_key_not_found', async () => {
    const missing = new AwsKms({ keyId: 'arn:aws:kms:us-east-1:111122223333:key/00000000-0000-0000-0000-000000000000', endpoint: emulator.endpoint, credentials });
    expect(await codeOf(missing.generateDataKey(context))).toBe('kms_key_not_found');
    missing.close();
  });

  it('re-encrypts to a second key made with CreateKey, without a Decrypt leaving KMS', async () => {
    const admin = new KMSClient({ region: 'us-east-1', endpoint: emulator.endpoint, credentials });
    const created = await admin.send(new CreateKeyCommand({ Description: 'rotation target' }));
    admin.destroy();
    const destination = created.KeyMetadata?.Arn ?? '';
    const envelope = await encryptSecret(kms, secret, context);

    const before = emulator.calls().length;
    const rewrapped = await rewrapSecret(kms, envelope, context, destination);
    expect(emulator.calls().slice(before).map((c) => c.op)).toEqual(['ReEncrypt']);
    expect(rewrapped.kmsKeyId).toBe(destination);
    expect(await decryptSecret(kms, rewrapped, context)).toEqual(secret);
    expect(await codeOf(kms.reEncryptDataKey(envelope.wrappedKey, { ...context, version: '2' }, destination))).toBe('kms_decrypt_failed');
  });

  it('reports kms_unavailable within 2 s while connections are reset, and recovers', async () => {
    const envelope = await encryptSecret(kms, secret, context);
    emulator.setAvailable(false);
    const down = await timed(decryptSecret(kms, envelope, context));
    const downGenerate = await timed(encryptSecret(kms, secret, context));
    emulator.setAvailable(true);
    expect(down.code).toBe('kms_unavailable');
    expect(down.ms).toBeLessThan(2_000);
    expect(downGenerate.code).toBe('kms_unavailable');
    expect(await decryptSecret(kms, envelope, context)).toEqual(secret);
  });

  it('reports kms_unavailable within 2 s when the emulator is stopped, and recovers on restart', async () => {
    const envelope = await encryptSecret(kms, secret, context);
    await emulator.stop();
    const down = await timed(decryptSecret(kms, envelope, context));
    await emulator.start();
    expect(down.code).toBe('kms_unavailable');
    expect(down.ms).toBeLessThan(2_000);
    expect(await decryptSecret(kms, envelope, context)).toEqual(secret);
  });

  it('reports kms_unavailable within 2 s when KMS hangs, and recovers', async () => {
    const envelope = await encryptSecret(kms, secret, context);
    emulator.setResponseDelay(2_500);
    const hung = await timed(decryptSecret(kms, envelope, context));
    emulator.setResponseDelay(0);
    expect(hung.code).toBe('kms_unavailable');
    expect(hung.ms).toBeLessThan(2_000);
    expect(await decryptSecret(kms, envelope, context)).toEqual(secret);
  });
});
