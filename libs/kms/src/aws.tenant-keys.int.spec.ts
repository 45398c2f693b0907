import { CreateAliasCommand, CreateKeyCommand, DescribeKeyCommand, KMSClient, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { KmsEmulator } from '@switchboard/testing';
import { AwsKms } from './aws.kms.js';
import { decryptSecret, encryptSecret } from './envelope.cipher.js';
import { KmsError } from './kms.port.js';

const context = { tenantId: 'ten_1', secretId: 'sec_1', version: '1' };
const secret = Buffer.from('sk-live-tenant-0123456789abcdef');
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const DAY_MS = 86_400_000;

const codeOf = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'no error',
    (error: unknown) => (error instanceof KmsError ? error.code : `unexpected ${String(error)}`),
  );

describe('AwsKms tenant keys against the KMS emulator (CreateKey, CreateAlias, DescribeKey, ScheduleKeyDeletion)', () => {
  let emulator: KmsEmulator;
  let kms: AwsKms;
  let replica: AwsKms;
  let admin: KMSClient;

  beforeAll(async () => {
    emulator = await new KmsEmulator().start();
    const keyId = emulator.createKey();
    kms = new AwsKms({ keyId, endpoint: emulator.endpoint, credentials, tenantKeyDeletionDays: 10 });
    replica = new AwsKms({ keyId, endpoint: emulator.endpoint, credentials });
    admin = new KMSClient({ region: 'us-east-1', endpoint: emulator.endpoint, credentials });
  });

  afterAll(async () => {
    kms.close();
    replica.close();
    admin.destroy();
    await emulator.stop();
  });

  it('creates a key and its alias on first use; every replica then finds the same key by the alias', async () => {
    const before = emulator.calls().length;
    const arn = await kms.tenantKeyId('ten_1');
    expect(arn).toMatch(/^arn:aws:kms:us-east-1:\d+:key\//);
    expect(emulator.calls().slice(before).map((c) => c.op)).toEqual(['DescribeKey', 'CreateKey', 'CreateAlias', 'DescribeKey']);
    expect(await replica.tenantKeyId('ten_1')).toBe(arn);
    const described = await admin.send(new DescribeKeyCommand({ KeyId: 'alias/switchboard/tenant/ten_1' }));
    expect(described.KeyMetadata?.Arn).toBe(arn);
    expect(await kms.tenantKeyId('ten_1')).toBe(arn);
  });

  it('settles a race for the alias on one key and schedules the loser’s key for deletion', async () => {
    const before = emulator.calls().length;
    const [a, b] = await Promise.all([kms.tenantKeyId('ten_race'), replica.tenantKeyId('ten_race')]);
    expect(a).toBe(b);
    const calls = emulator.calls().slice(before);
    const keysMade = calls.filter((c) => c.op === 'CreateKey').length;
    // Every key made beyond the one the alias names is scheduled for deletion.
    expect(calls.filter((c) => c.op === 'ScheduleKeyDeletion' && c.status === 200)).toHaveLength(keysMade - 1);
    expect(emulator.keyState(a)).toBe('Enabled');
  });

  it('wraps under the tenant key; ScheduleKeyDeletion then refuses every use of it, and the tenant never gets a new one', async () => {
    const arn = await kms.tenantKeyId('ten_2');
    const tenantContext = { ...context, tenantId: 'ten_2' };
    const envelope = await encryptSecret(kms, secret, tenantContext, arn);
    expect(envelope.kmsKeyId).toBe(arn);
    expect(await decryptSecret(replica, envelope, tenantContext)).toEqual(secret);

    const destroyed = await kms.destroyTenantKey('ten_2');
    expect(destroyed.keyId).toBe(arn);
    const window = Date.parse(destroyed.deletionDate ?? '') - Date.now();
    expect(window).toBeGreaterThan(9.9 * DAY_MS);
    expect(window).toBeLessThan(10.1 * DAY_MS);
    expect(emulator.keyState(arn)).toBe('PendingDeletion');

    // The replica had the key cached: KMS itself refuses it.
    expect(await codeOf(decryptSecret(replica, envelope, tenantContext))).toBe('kms_key_not_found');
    expect(await codeOf(replica.generateDataKey(tenantContext, arn))).toBe('kms_key_not_found');
    expect(await codeOf(replica.tenantKeyId('ten_2'))).toBe('kms_key_not_found');
    expect(await codeOf(kms.reEncryptDataKey(envelope.wrappedKey, tenantContext, kms.keyId))).toBe('kms_key_not_found');

    // A retry of the deletion finds it pending and answers the same date.
    expect(await replica.destroyTenantKey('ten_2')).toEqual(destroyed);

    // After the window the key is gone; its blobs still open nowhere, and destroying again finds nothing.
    emulator.completePendingDeletions();
    expect(await codeOf(decryptSecret(kms, envelope, tenantContext))).toBe('kms_decrypt_failed');
    expect(await kms.destroyTenantKey('ten_2')).toEqual({ keyId: null, deletionDate: null });
  });

  it('leaves other tenants’ keys and the service key working', async () => {
    const arn = await kms.tenantKeyId('ten_1');
    const envelope = await encryptSecret(kms, secret, context, arn);
    const serviceEnvelope = await encryptSecret(kms, secret, { name: 'service' });
    expect(await decryptSecret(kms, envelope, context)).toEqual(secret);
    expect(await decryptSecret(kms, serviceEnvelope, { name: 'service' })).toEqual(secret);
  });

  it('reports kms_unavailable while KMS is down, so a deletion can be retried, and finishes it once back', async () => {
    await kms.tenantKeyId('ten_3');
    emulator.setAvailable(false);
    expect(await codeOf(kms.destroyTenantKey('ten_3'))).toBe('kms_unavailable');
    emulator.setAvailable(true);
    expect((await kms.destroyTenantKey('ten_3')).keyId).toMatch(/^arn:/);
    expect(await codeOf(kms.tenantKeyId('ten_3'))).toBe('kms_key_not_found');
  });

  it('answers the lifecycle operations as AWS KMS does on the wire (the emulator, through the SDK)', async () => {
    const nameOf = (promise: Promise<unknown>) => promise.then(() => 'ok', (error: { name?: string }) => error.name ?? 'unknown');
    const arn = (await admin.send(new CreateKeyCommand({ Description: 'wire' }))).KeyMetadata?.Arn ?? '';
    expect(await nameOf(admin.send(new CreateAliasCommand({ AliasName: 'alias/wire', TargetKeyId: arn })))).toBe('ok');
    expect(await nameOf(admin.send(new CreateAliasCommand({ AliasName: 'alias/wire', TargetKeyId: arn })))).toBe('AlreadyExistsException');
    expect(await nameOf(admin.send(new CreateAliasCommand({ AliasName: 'alias/aws/reserved', TargetKeyId: arn })))).toBe('ValidationException');
    expect(await nameOf(admin.send(new ScheduleKeyDeletionCommand({ KeyId: arn, PendingWindowInDays: 6 })))).toBe('ValidationException');
    const scheduled = await admin.send(new ScheduleKeyDeletionCommand({ KeyId: 'alias/wire', PendingWindowInDays: 30 }));
    expect(scheduled).toMatchObject({ KeyId: arn, KeyState: 'PendingDeletion', PendingWindowInDays: 30, DeletionDate: expect.any(Date) });
    expect(await nameOf(admin.send(new ScheduleKeyDeletionCommand({ KeyId: arn, PendingWindowInDays: 7 })))).toBe('KMSInvalidStateException');
    const described = await admin.send(new DescribeKeyCommand({ KeyId: 'alias/wire' }));
    expect(described.KeyMetadata).toMatchObject({ Arn: arn, KeyState: 'PendingDeletion', Enabled: false, DeletionDate: expect.any(Date), PendingDeletionWindowInDays: 30 });
    expect(await nameOf(admin.send(new DescribeKeyCommand({ KeyId: 'alias/none' })))).toBe('NotFoundException');
  });

  it('refuses a pending window outside AWS’s 7 to 30 days', () => {
    expect(() => new AwsKms({ keyId: 'k', tenantKeyDeletionDays: 6 })).toThrow(/7 to 30/);
    expect(() => new AwsKms({ keyId: 'k', tenantKeyDeletionDays: 31 })).toThrow(/7 to 30/);
  });
});
