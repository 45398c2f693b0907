import { CredentialsOps, type Actor, type Result, type SecretKind } from '@switchboard/contracts';
import { AwsKms } from '@switchboard/kms';
import { generateRecipientKeyPair, openFromTransport, sealForTransport, type SealedCredential, type TransportContext } from '@switchboard/sealing';
import { KmsEmulator } from '@switchboard/testing';
import { adminOf, errorCode, newTenantId, startTestStack, transportKeyOf, value, type TestStack } from '../../../test/service.harness.js';

let emulator: KmsEmulator;
let kms: AwsKms;
let stack: TestStack;
let transportKey: string;

type GatewayCredential = { secretId: string; version: number; kind: SecretKind; sealedValue: SealedCredential };

async function createSecret(actor: Actor, name: string, secret: unknown, kind: SecretKind = 'api_key'): Promise<string> {
  const sealedValue = sealForTransport({ value: secret }, transportKey, { purpose: 'secret.create', tenantId: actor.tenantId ?? '', subject: name });
  return value(await stack.bus.send(CredentialsOps.createSecret, { actor, name, kind, sealedValue })).id;
}

const fetchCredential = (tenantId: string, secretId: string, replyKey: string): Promise<Result<GatewayCredential>> =>
  stack.bus.send(CredentialsOps.gatewayCredential, { tenantId, secretId, replyKey });

const contextOf = (tenantId: string, secretId: string): TransportContext => ({ purpose: 'gateway.credential', tenantId, subject: secretId });

/** The gateway's part: open with the private half of the key it sent, under the same context. */
function open(sealed: SealedCredential, privateKey: string, ctx: TransportContext): unknown {
  return (JSON.parse(value(openFromTransport(sealed, privateKey, ctx)).toString('utf8')) as { value: unknown }).value;
}

async function eventCount(secretId: string): Promise<number> {
  const [row] = await stack.query<{ n: number }>('SELECT count(*)::int AS n FROM credentials.events WHERE stream_id = $1', [`secret-${secretId}`]);
  return row?.n ?? 0;
}

beforeAll(async () => {
  emulator = await new KmsEmulator().start();
  kms = new AwsKms({ keyId: emulator.createKey('switchboard'), endpoint: emulator.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  stack = await startTestStack({ kms });
  transportKey = await transportKeyOf(stack.bus);
});

afterAll(async () => {
  await stack?.stop();
  kms?.close();
  await emulator?.stop();
});

describe('gatewayCredential', () => {
  it("seals the current version to the gateway's key, and records no reveal", async () => {
    const tenantId = newTenantId();
    const admin = adminOf(tenantId);
    const secretId = await createSecret(admin, 'upstream', 'sk-upstream-0123456789');
    const gateway = generateRecipientKeyPair();
    const before = await eventCount(secretId);

    const first = value(await fetchCredential(tenantId, secretId, gateway.publicKey));
    expect(first).toMatchObject({ secretId, version: 1, kind: 'api_key' });
    expect(open(first.sealedValue, gateway.privateKey, contextOf(tenantId, secretId))).toBe('sk-upstream-0123456789');
    expect(JSON.stringify(first)).not.toContain('0123456789');
    expect(await eventCount(secretId)).toBe(before);

    const sealedValue = sealForTransport({ value: 'sk-rotated-9876543210' }, transportKey, { purpose: 'secret.rotate', tenantId, subject: secretId });
    value(await stack.bus.send(CredentialsOps.rotateSecret, { actor: admin, id: secretId, sealedValue }));
    const rotated = value(await fetchCredential(tenantId, secretId, gateway.publicKey));
    expect(rotated.version).toBe(2);
    expect(open(rotated.sealedValue, gateway.privateKey, contextOf(tenantId, secretId))).toBe('sk-rotated-9876543210');
  });

  it("opens only with the reply key's private half, and only as this tenant's gateway.credential for this secret", async () => {
    const tenantId = newTenantId();
    const secretId = await createSecret(adminOf(tenantId), 'sealed', 'sk-sealed-0123456789');
    const gateway = generateRecipientKeyPair();
    const { sealedValue } = value(await fetchCredential(tenantId, secretId, gateway.publicKey));

    expect(open(sealedValue, gateway.privateKey, contextOf(tenantId, secretId))).toBe('sk-sealed-0123456789');
    const refused = (privateKey: string, ctx: TransportContext) => errorCode(openFromTransport(sealedValue, privateKey, ctx));
    expect(refused(generateRecipientKeyPair().privateKey, contextOf(tenantId, secretId))).toBe('validation_failed');
    expect(refused(gateway.privateKey, { purpose: 'secret.reveal', tenantId, subject: secretId })).toBe('validation_failed');
    expect(refused(gateway.privateKey, contextOf(newTenantId(), secretId))).toBe('validation_failed');
    expect(refused(gateway.privateKey, contextOf(tenantId, 'sec_other'))).toBe('validation_failed');
  });

  it('carries a headers secret as its object of headers', async () => {
    const tenantId = newTenantId();
    const secretId = await createSecret(adminOf(tenantId), 'vllm', { 'X-Api-Key': 'k-0123456789', 'X-Org': 'org-42' }, 'headers');
    const gateway = generateRecipientKeyPair();
    const credential = value(await fetchCredential(tenantId, secretId, gateway.publicKey));
    expect(credential.kind).toBe('headers');
    expect(open(credential.sealedValue, gateway.privateKey, contextOf(tenantId, secretId))).toEqual({ 'X-Api-Key': 'k-0123456789', 'X-Org': 'org-42' });
  });

  it("is scoped to the tenant: another tenant's, a deleted and an unknown secret are all secret_not_found", async () => {
    const owner = adminOf(newTenantId());
    const secretId = await createSecret(owner, 'mine', 'sk-mine-0123456789');
    const doomed = await createSecret(owner, 'doomed', 'sk-doomed-0123456789');
    value(await stack.bus.send(CredentialsOps.deleteSecret, { actor: owner, id: doomed }));
    const replyKey = generateRecipientKeyPair().publicKey;

    expect(errorCode(await fetchCredential(newTenantId(), secretId, replyKey))).toBe('secret_not_found');
    expect(errorCode(await fetchCredential(owner.tenantId ?? '', doomed, replyKey))).toBe('secret_not_found');
    expect(errorCode(await fetchCredential(owner.tenantId ?? '', 'sec_unknown', replyKey))).toBe('secret_not_found');
    expect(errorCode(await fetchCredential(owner.tenantId ?? '', secretId, 'not-a-key'))).toBe('validation_failed');
  });

  it('answers unavailable while KMS is down, and serves again once it is back', async () => {
    const tenantId = newTenantId();
    const secretId = await createSecret(adminOf(tenantId), 'outage', 'sk-outage-0123456789');
    const gateway = generateRecipientKeyPair();
    emulator.setAvailable(false);
    try {
      expect(errorCode(await fetchCredential(tenantId, secretId, gateway.publicKey))).toBe('unavailable');
    } finally {
      emulator.setAvailable(true);
    }
    const credential = value(await fetchCredential(tenantId, secretId, gateway.publicKey));
    expect(open(credential.sealedValue, gateway.privateKey, contextOf(tenantId, secretId))).toBe('sk-outage-0123456789');
  });
});
