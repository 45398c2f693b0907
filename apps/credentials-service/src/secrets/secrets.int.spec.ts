import { CredentialsOps, type Actor, type SecretView } from '@switchboard/contracts';
import { generateRecipientKeyPair, openFromTransport, sealForTransport } from '@switchboard/sealing';
import { adminOf, errorCode, memberOf, newTenantId, startTestStack, transportKeyOf, value, type TestStack } from '../../test/service.harness.js';

let stack: TestStack;
let transportKey: string;

async function createSecret(actor: Actor, name: string, secret: unknown, kind: 'api_key' | 'headers' = 'api_key') {
  const sealedValue = sealForTransport({ value: secret }, transportKey, { purpose: 'secret.create', tenantId: actor.tenantId ?? '', subject: name });
  return stack.bus.send(CredentialsOps.createSecret, { actor, name, kind, sealedValue });
}

async function rotateSecret(actor: Actor, id: string, secret: string, expectedVersion?: number) {
  const sealedValue = sealForTransport({ value: secret }, transportKey, { purpose: 'secret.rotate', tenantId: actor.tenantId ?? '', subject: id });
  return stack.bus.send(CredentialsOps.rotateSecret, { actor, id, sealedValue, ...(expectedVersion === undefined ? {} : { expectedVersion }) });
}

/** The gateway's part of a reveal: a one-time key pair, and opening what comes back sealed to it. */
async function reveal(actor: Actor, id: string): Promise<{ value: unknown; version: number }> {
  const oneTime = generateRecipientKeyPair();
  const reply = value(await stack.bus.send(CredentialsOps.revealSecret, { actor, id, replyKey: oneTime.publicKey }));
  const opened = value(openFromTransport(reply.sealedValue, oneTime.privateKey, { purpose: 'secret.reveal', tenantId: actor.tenantId ?? '', subject: id }));
  return { value: (JSON.parse(opened.toString('utf8')) as { value: unknown }).value, version: reply.version };
}

async function countRows(table: string): Promise<number> {
  const [row] = await stack.query<{ n: number }>(`SELECT count(*)::int AS n FROM credentials.${table}`);
  return row?.n ?? 0;
}

beforeAll(async () => {
  stack = await startTestStack();
  transportKey = await transportKeyOf(stack.bus);
});

afterAll(async () => {
  await stack?.stop();
});

describe('credentials-service secrets over the bus', () => {
  it('answers health with the Postgres probe and serves one stable transport key', async () => {
    expect(await stack.bus.send(CredentialsOps.health, {})).toEqual({ ok: true, value: { postgres: true } });
    expect(transportKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(await transportKeyOf(stack.bus)).toBe(transportKey);
  });

  it('creates an api key secret, shows it without its value, and publishes secret.created', async () => {
    const tenantId = newTenantId();
    const admin = adminOf(tenantId);
    const created = value(await createSecret(admin, 'OpenAI prod', 'sk-live-0123456789abcdefF9Qa'));
    expect(created).toMatchObject({ name: 'OpenAI prod', kind: 'api_key', version: 1, hint: 'sk-…F9Qa' });
    expect(created.fingerprint).toMatch(/^hmac-sha256:[0-9a-f]{16}$/);
    expect(value(await stack.bus.send(CredentialsOps.getSecret, { actor: memberOf(tenantId), id: created.id }))).toEqual(created);
    expect(value(await stack.bus.send(CredentialsOps.listSecrets, { actor: admin })).data).toEqual([created]);

    const event = await stack.lastEvent(tenantId, 'secret.created');
    expect(event?.json()).toMatchObject({ type: 'secret.created', tenantId, secretId: created.id, version: 1, hint: 'sk-…F9Qa' });
    expect(event?.string()).not.toContain('0123456789abcdef');
  });

  it('fingerprints equal values alike and different values apart', async () => {
    const admin = adminOf(newTenantId());
    const a = value(await createSecret(admin, 'a', 'sk-same-value-123456'));
    const b = value(await createSecret(admin, 'b', 'sk-same-value-123456'));
    const c = value(await createSecret(admin, 'c', 'sk-other-value-12345'));
    expect(b.fingerprint).toBe(a.fingerprint);
    expect(c.fingerprint).not.toBe(a.fingerprint);
    expect(b.id).not.toBe(a.id);
  });

  it('stores custom headers as one secret whose hint names the headers only', async () => {
    const admin = adminOf(newTenantId());
    const created = value(await createSecret(admin, 'vllm', { 'X-Api-Key': 'k-0123456789', 'X-Org': 'org-42' }, 'headers'));
    expect(created).toMatchObject({ kind: 'headers', hint: 'headers: X-Api-Key, X-Org' });
    expect(await reveal(admin, created.id)).toEqual({ value: { 'X-Api-Key': 'k-0123456789', 'X-Org': 'org-42' }, version: 1 });
  });

  it('refuses values that do not open for this tenant, name and purpose, or are not valid, writing nothing', async () => {
    const tenantId = newTenantId();
    const admin = adminOf(tenantId);
    const before = await countRows('secret_versions');
    const sealedAs = (purpose: 'secret.create' | 'secret.rotate', tenant: string, subject: string, key = transportKey) =>
      sealForTransport({ value: 'sk-test-0123456789' }, key, { purpose, tenantId: tenant, subject });
    for (const sealedValue of [
      sealedAs('secret.create', tenantId, 'other name'),
      sealedAs('secret.create', newTenantId(), 'name'),
      sealedAs('secret.rotate', tenantId, 'name'),
      sealedAs('secret.create', tenantId, 'name', generateRecipientKeyPair().publicKey),
    ]) {
      expect(errorCode(await stack.bus.send(CredentialsOps.createSecret, { actor: admin, name: 'name', sealedValue }))).toBe('validation_failed');
    }
    expect(errorCode(await createSecret(admin, 'bad', 'sk-with-newline\n'))).toBe('validation_failed');
    expect(errorCode(await createSecret(admin, 'bad', { Host: 'evil.example' }, 'headers'))).toBe('validation_failed');
    expect(await countRows('secret_versions')).toBe(before);
    expect(value(await stack.bus.send(CredentialsOps.listSecrets, { actor: admin })).data).toEqual([]);
  });

  it('lets only admins change secrets, and no key without a tenant', async () => {
    const tenantId = newTenantId();
    expect(errorCode(await createSecret(memberOf(tenantId), 'x', 'sk-test-0123456789'))).toBe('forbidden');
    const operator: Actor = { tenantId: null, keyId: 'operator', role: 'operator', agentId: null };
    expect(errorCode(await stack.bus.send(CredentialsOps.listSecrets, { actor: operator }))).toBe('forbidden');
  });

  it('rotates to a new version, honours If-Match, and reveals the current value to admins only', async () => {
    const tenantId = newTenantId();
    const admin = adminOf(tenantId);
    const created = value(await createSecret(admin, 'rotating', 'sk-first-0123456789'));
    const rotated: SecretView = value(await rotateSecret(admin, created.id, 'sk-second-0123456789', 1));
    expect(rotated).toMatchObject({ id: created.id, version: 2, hint: '…6789', createdAt: created.createdAt });
    expect(rotated.fingerprint).not.toBe(created.fingerprint);
    const stale = await rotateSecret(admin, created.id, 'sk-third-0123456789', 1);
    expect(stale).toMatchObject({ ok: false, error: { code: 'version_conflict', details: { expected: 1, actual: 2 } } });

    expect(errorCode(await stack.bus.send(CredentialsOps.revealSecret, { actor: memberOf(tenantId), id: created.id, replyKey: transportKey }))).toBe(
      'forbidden',
    );
    expect(await reveal(admin, created.id)).toEqual({ value: 'sk-second-0123456789', version: 2 });
    const audit = await stack.lastEvent(tenantId, 'secret.revealed');
    expect(audit?.json()).toMatchObject({ type: 'secret.revealed', secretId: created.id, version: 2, revealedBy: admin.keyId });
    expect(audit?.string()).not.toContain('sk-second');

    // The old version stays for calls in flight.
    const versions = await stack.query<{ version: number }>('SELECT version FROM credentials.secret_versions WHERE secret_id = $1 ORDER BY version', [created.id]);
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
  });

  it('keeps tenants apart: another tenant’s secret is not found, not listed, not described', async () => {
    const owner = adminOf(newTenantId());
    const stranger = adminOf(newTenantId());
    const secret = value(await createSecret(owner, 'mine', 'sk-mine-0123456789'));
    expect(errorCode(await stack.bus.send(CredentialsOps.getSecret, { actor: stranger, id: secret.id }))).toBe('secret_not_found');
    expect(errorCode(await rotateSecret(stranger, secret.id, 'sk-theirs-0123456789'))).toBe('secret_not_found');
    expect(errorCode(await stack.bus.send(CredentialsOps.revealSecret, { actor: stranger, id: secret.id, replyKey: transportKey }))).toBe(
      'secret_not_found',
    );
    expect(errorCode(await stack.bus.send(CredentialsOps.deleteSecret, { actor: stranger, id: secret.id }))).toBe('secret_not_found');
    expect(value(await stack.bus.send(CredentialsOps.listSecrets, { actor: stranger })).data).toEqual([]);
    const described = value(await stack.bus.send(CredentialsOps.describeSecrets, { actor: owner, ids: [secret.id, 'sec_unknown'] })).data;
    expect(described.map((s) => s.id)).toEqual([secret.id]);
    expect(value(await stack.bus.send(CredentialsOps.describeSecrets, { actor: stranger, ids: [secret.id] })).data).toEqual([]);
  });

  it('refuses to delete a secret providers use, then deletes and shreds it', async () => {
    const tenantId = newTenantId();
    const admin = adminOf(tenantId);
    const secret = value(await createSecret(admin, 'in use', 'sk-used-0123456789'));
    stack.providers.dependents.set(secret.id, ['prv_1', 'prv_2']);
    expect(await stack.bus.send(CredentialsOps.deleteSecret, { actor: admin, id: secret.id })).toMatchObject({
      ok: false,
      error: { code: 'secret_in_use', details: { dependents: ['prv_1', 'prv_2'] } },
    });
    stack.providers.dependents.delete(secret.id);
    expect(errorCode(await stack.bus.send(CredentialsOps.deleteSecret, { actor: admin, id: secret.id, expectedVersion: 7 }))).toBe('version_conflict');
    expect(value(await stack.bus.send(CredentialsOps.deleteSecret, { actor: admin, id: secret.id, expectedVersion: 1 }))).toEqual({});

    expect(await stack.query('SELECT 1 FROM credentials.secret_versions WHERE secret_id = $1', [secret.id])).toEqual([]);
    expect(errorCode(await stack.bus.send(CredentialsOps.getSecret, { actor: admin, id: secret.id }))).toBe('secret_not_found');
    expect(errorCode(await stack.bus.send(CredentialsOps.deleteSecret, { actor: admin, id: secret.id }))).toBe('secret_not_found');
    expect((await stack.lastEvent(tenantId, 'secret.deleted'))?.json()).toMatchObject({ secretId: secret.id });
  });

  it('does not delete blindly when providers-service cannot say who uses the secret', async () => {
    const admin = adminOf(newTenantId());
    const secret = value(await createSecret(admin, 'guarded', 'sk-guarded-0123456789'));
    stack.providers.secretDependentsError = 'unavailable';
    try {
      expect(errorCode(await stack.bus.send(CredentialsOps.deleteSecret, { actor: admin, id: secret.id }))).toBe('unavailable');
    } finally {
      stack.providers.secretDependentsError = null;
    }
    expect(value(await stack.bus.send(CredentialsOps.getSecret, { actor: admin, id: secret.id })).id).toBe(secret.id);
  });
});
