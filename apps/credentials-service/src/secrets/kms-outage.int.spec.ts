import { CredentialsOps, type Actor } from '@switchboard/contracts';
import { AwsKms, decryptSecret, isKmsError } from '@switchboard/kms';
import { generateRecipientKeyPair, sealForTransport } from '@switchboard/sealing';
import { KmsEmulator } from '@switchboard/testing';
import { adminOf, errorCode, newTenantId, startTestStack, transportKeyOf, value, type TestStack } from '../../test/service.harness.js';

let emulator: KmsEmulator;
let kms: AwsKms;
let stack: TestStack;

async function rowCounts(): Promise<Record<string, number>> {
  const [row] = await stack.query<Record<string, number>>(
    `SELECT (SELECT count(*)::int FROM credentials.secret_versions) AS versions,
            (SELECT count(*)::int FROM credentials.secrets) AS secrets,
            (SELECT count(*)::int FROM credentials.events) AS events,
            (SELECT count(*)::int FROM credentials.outbox) AS outbox`,
  );
  return row ?? {};
}

async function create(actor: Actor, transportKey: string, name: string, secret: string) {
  const sealedValue = sealForTransport({ value: secret }, transportKey, { purpose: 'secret.create', tenantId: actor.tenantId ?? '', subject: name });
  return stack.bus.send(CredentialsOps.createSecret, { actor, name, sealedValue });
}

beforeAll(async () => {
  emulator = await new KmsEmulator().start();
  kms = new AwsKms({ keyId: emulator.createKey('switchboard'), endpoint: emulator.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  // Down before the very first start: the service keys cannot be created yet.
  emulator.setAvailable(false);
  stack = await startTestStack({ kms, waitForKeys: false });
});

afterAll(async () => {
  await stack?.stop();
  kms?.close();
  await emulator?.stop();
});

describe('credentials-service with KMS (aws backend) down', () => {
  it('starts anyway: health answers, key-dependent operations are unavailable until KMS is back', async () => {
    expect(value(await stack.bus.send(CredentialsOps.health, {}))).toEqual({ postgres: true });
    expect(errorCode(await stack.bus.send(CredentialsOps.transportKey, {}))).toBe('unavailable');
    expect(await stack.query('SELECT name FROM credentials.service_keys')).toEqual([]);

    emulator.setAvailable(true);
    await stack.service.serviceKeys.loaded();
    expect(await transportKeyOf(stack.bus)).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    const keys = await stack.query<{ kms_key_id: string }>('SELECT kms_key_id FROM credentials.service_keys');
    expect(keys.map((k) => k.kms_key_id)).toEqual([kms.keyId, kms.keyId]);
  });

  it('answers createSecret, rotateSecret and revealSecret with unavailable, writing nothing, and recovers', async () => {
    const admin = adminOf(newTenantId());
    const transportKey = await transportKeyOf(stack.bus);
    const existing = value(await create(admin, transportKey, 'before the outage', 'sk-before-0123456789'));

    const before = await rowCounts();
    emulator.setAvailable(false);
    try {
      const refused = await create(admin, transportKey, 'during the outage', 'sk-during-0123456789');
      expect(refused).toMatchObject({ ok: false, error: { code: 'unavailable' } });
      const sealedValue = sealForTransport({ value: 'sk-rotated-0123456789' }, transportKey, { purpose: 'secret.rotate', tenantId: admin.tenantId ?? '', subject: existing.id });
      expect(errorCode(await stack.bus.send(CredentialsOps.rotateSecret, { actor: admin, id: existing.id, sealedValue }))).toBe('unavailable');
      const reveal = await stack.bus.send(CredentialsOps.revealSecret, { actor: admin, id: existing.id, replyKey: generateRecipientKeyPair().publicKey });
      expect(errorCode(reveal)).toBe('unavailable');
      expect(await rowCounts()).toEqual(before);
      // Reads need no KMS.
      expect(value(await stack.bus.send(CredentialsOps.getSecret, { actor: admin, id: existing.id })).version).toBe(1);
    } finally {
      emulator.setAvailable(true);
    }

    const created = value(await create(admin, transportKey, 'after the outage', 'sk-after-0123456789'));
    expect(created.version).toBe(1);
    const [row] = await stack.query<{ kms_key_id: string }>('SELECT kms_key_id FROM credentials.secret_versions WHERE secret_id = $1', [created.id]);
    // Under the tenant's own key (made at its first secret), not the service's.
    expect(row?.kms_key_id).toBe(await kms.tenantKeyId(admin.tenantId ?? ''));
    expect(row?.kms_key_id).not.toBe(kms.keyId);
    expect(value(await stack.bus.send(CredentialsOps.revealSecret, { actor: admin, id: existing.id, replyKey: generateRecipientKeyPair().publicKey })).version).toBe(1);
  });

  it('shreds a tenant resumably: KMS down answers unavailable but already refuses new secrets; the retry destroys the key', async () => {
    const tenantId = newTenantId();
    const admin = adminOf(tenantId);
    const operator: Actor = { tenantId: null, keyId: 'operator', role: 'operator', agentId: null };
    const transportKey = await transportKeyOf(stack.bus);
    value(await create(admin, transportKey, 'doomed', 'sk-doomed-0123456789'));
    const envelopes = await stack.query<{ secret_id: string; version: number; wrapped_key: Buffer; kms_key_id: string; iv: Buffer; ciphertext: Buffer; tag: Buffer }>(
      'SELECT secret_id, version, wrapped_key, kms_key_id, iv, ciphertext, tag FROM credentials.secret_versions WHERE tenant_id = $1',
      [tenantId],
    );
    expect(envelopes).toHaveLength(1);
    const tenantKey = envelopes[0]?.kms_key_id ?? '';
    const tryOpen = async () => {
      const row = envelopes[0];
      if (row === undefined) return 'no row';
      const envelope = { wrappedKey: row.wrapped_key, kmsKeyId: row.kms_key_id, iv: row.iv, ciphertext: row.ciphertext, tag: row.tag };
      return decryptSecret(kms, envelope, { tenantId, secretId: row.secret_id, version: String(row.version) }).then(
        () => 'opened',
        (error: unknown) => (isKmsError(error) ? error.code : 'other'),
      );
    };
    expect(await tryOpen()).toBe('opened');

    expect(errorCode(await stack.bus.send(CredentialsOps.shredTenant, { actor: admin, tenantId }))).toBe('forbidden');
    emulator.setAvailable(false);
    try {
      expect(errorCode(await stack.bus.send(CredentialsOps.shredTenant, { actor: operator, tenantId }))).toBe('unavailable');
    } finally {
      emulator.setAvailable(true);
    }
    // Half-way: the key still exists, but the tenant is refused any new secret.
    expect(emulator.keyState(tenantKey)).toBe('Enabled');
    expect(errorCode(await create(admin, transportKey, 'late', 'sk-late-0123456789'))).toBe('tenant_not_found');

    const shredded = value(await stack.bus.send(CredentialsOps.shredTenant, { actor: operator, tenantId }));
    expect(shredded).toEqual({ kmsKeyId: tenantKey, keyDeletionDate: expect.any(String) });
    expect(emulator.keyState(tenantKey)).toBe('PendingDeletion');
    expect(await tryOpen()).toBe('kms_key_not_found');
    expect(await stack.query('SELECT 1 FROM credentials.secret_versions WHERE tenant_id = $1', [tenantId])).toEqual([]);
    // Again: the same answer, nothing else happens.
    expect(value(await stack.bus.send(CredentialsOps.shredTenant, { actor: operator, tenantId }))).toEqual(shredded);
  });
});
