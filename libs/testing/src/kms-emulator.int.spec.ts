import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  KMSClient,
  ReEncryptCommand,
} from '@aws-sdk/client-kms';
import { KmsEmulator } from './kms-emulator.js';

const context = { tenantId: 'ten_1', secretId: 'sec_1', version: '1' };

describe('KmsEmulator', () => {
  let emulator: KmsEmulator;
  let client: KMSClient;
  let keyArn: string;

  beforeAll(async () => {
    emulator = await new KmsEmulator().start();
    keyArn = emulator.createKey();
    client = new KMSClient({
      region: 'us-east-1',
      endpoint: emulator.endpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
  });

  afterAll(async () => {
    client.destroy();
    await emulator.stop();
  });

  const errorName = (promise: Promise<unknown>): Promise<string> =>
    promise.then(
      () => 'no error',
      (error: Error) => error.name,
    );

  it('creates and describes keys through the real SDK', async () => {
    const created = await client.send(new CreateKeyCommand({ Description: 'second' }));
    const arn = created.KeyMetadata?.Arn ?? '';
    expect(arn).toMatch(/^arn:aws:kms:us-east-1:\d{12}:key\/[0-9a-f-]{36}$/);
    const described = await client.send(new DescribeKeyCommand({ KeyId: created.KeyMetadata?.KeyId }));
    expect(described.KeyMetadata).toMatchObject({ Arn: arn, KeyState: 'Enabled', Description: 'second', KeySpec: 'SYMMETRIC_DEFAULT' });
    expect(described.KeyMetadata?.CreationDate).toBeInstanceOf(Date);
    expect(await errorName(client.send(new DescribeKeyCommand({ KeyId: 'nope' })))).toBe('NotFoundException');
  });

  it('generates data keys that decrypt without a KeyId, and only with the same context', async () => {
    const generated = await client.send(new GenerateDataKeyCommand({ KeyId: keyArn, KeySpec: 'AES_256', EncryptionContext: context }));
    expect(generated.KeyId).toBe(keyArn);
    expect(generated.Plaintext).toHaveLength(32);
    const decrypted = await client.send(new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob, EncryptionContext: context }));
    expect(Buffer.from(decrypted.Plaintext ?? [])).toEqual(Buffer.from(generated.Plaintext ?? []));
    expect(decrypted.KeyId).toBe(keyArn);

    const wrongContext = client.send(new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob, EncryptionContext: { ...context, version: '2' } }));
    expect(await errorName(wrongContext)).toBe('InvalidCiphertextException');
    const noContext = client.send(new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob }));
    expect(await errorName(noContext)).toBe('InvalidCiphertextException');
  });

  it('encrypts, generates without plaintext and re-encrypts to another key', async () => {
    const other = emulator.createKey();
    const encrypted = await client.send(new EncryptCommand({ KeyId: keyArn, Plaintext: Buffer.from('hello'), EncryptionContext: context }));
    const reEncrypted = await client.send(
      new ReEncryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, SourceEncryptionContext: context, DestinationKeyId: other, DestinationEncryptionContext: context }),
    );
    expect(reEncrypted).toMatchObject({ SourceKeyId: keyArn, KeyId: other });
    const decrypted = await client.send(new DecryptCommand({ CiphertextBlob: reEncrypted.CiphertextBlob, EncryptionContext: context, KeyId: other }));
    expect(Buffer.from(decrypted.Plaintext ?? []).toString()).toBe('hello');

    const wrongKey = client.send(new DecryptCommand({ CiphertextBlob: reEncrypted.CiphertextBlob, EncryptionContext: context, KeyId: keyArn }));
    expect(await errorName(wrongKey)).toBe('IncorrectKeyException');
    const withoutPlaintext = await client.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: keyArn, NumberOfBytes: 16 }));
    expect(withoutPlaintext).not.toHaveProperty('Plaintext');
    expect(await errorName(client.send(new GenerateDataKeyCommand({ KeyId: keyArn })))).toBe('ValidationException');
  });

  it('answers protocol errors in the JSON 1.1 shape', async () => {
    const post = (headers: Record<string, string>, body = '{}') =>
      fetch(`${emulator.endpoint}/`, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', ...headers }, body });
    const unsigned = await post({ 'x-amz-target': 'TrentService.DescribeKey' }, JSON.stringify({ KeyId: keyArn }));
    expect(unsigned.status).toBe(400);
    expect(await unsigned.json()).toMatchObject({ __type: 'MissingAuthenticationTokenException' });

    const signed = { authorization: 'AWS4-HMAC-SHA256 Credential=test/20300101/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=00' };
    const unknown = await post({ ...signed, 'x-amz-target': 'TrentService.Sign' });
    expect(await unknown.json()).toMatchObject({ __type: 'UnknownOperationException' });
    const tampered = await post({ ...signed, 'x-amz-target': 'TrentService.Decrypt' }, JSON.stringify({ CiphertextBlob: Buffer.alloc(80, 1).toString('base64') }));
    expect(tampered.status).toBe(400);
    expect(tampered.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(await tampered.json()).toMatchObject({ __type: 'InvalidCiphertextException' });
  });

  it('records calls and resets connections while unavailable', async () => {
    const before = emulator.calls().length;
    await client.send(new DescribeKeyCommand({ KeyId: keyArn }));
    expect(emulator.calls().slice(before)).toEqual([{ op: 'DescribeKey', status: 200 }]);

    emulator.setAvailable(false);
    const down = await client.send(new DescribeKeyCommand({ KeyId: keyArn })).then(
      () => null,
      (error: Error & { $metadata?: { httpStatusCode?: number } }) => error,
    );
    expect(down).not.toBeNull();
    expect(down?.$metadata?.httpStatusCode).toBeUndefined();
    emulator.setAvailable(true);
    await expect(client.send(new DescribeKeyCommand({ KeyId: keyArn }))).resolves.toBeDefined();
  });
});
