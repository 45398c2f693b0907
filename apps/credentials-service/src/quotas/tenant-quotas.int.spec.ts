import { jest } from '@jest/globals';
import { CredentialsOps, DEFAULT_QUOTAS, type Actor, type Result } from '@switchboard/contracts';
import { generateRecipientKeyPair, sealForTransport } from '@switchboard/sealing';
import { adminOf, errorCode, newTenantId, startTestStack, transportKeyOf, value, type TestStack } from '../../test/service.harness.js';

let stack: TestStack;
let transportKey: string;
const DEPLOYMENT_RECIPIENTS = 2;

beforeAll(async () => {
  // As SWITCHBOARD_QUOTA_RECIPIENTS=2 would configure it.
  stack = await startTestStack({ quotas: { ...DEFAULT_QUOTAS, recipients: DEPLOYMENT_RECIPIENTS } });
  transportKey = await transportKeyOf(stack.bus);
});

afterAll(async () => {
  await stack?.stop();
});

const operator: Actor = { tenantId: null, keyId: 'operator', role: 'operator', agentId: null };
let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}`;

function createSecret(actor: Actor): Promise<Result<{ id: string }>> {
  const name = unique('secret');
  const sealedValue = sealForTransport({ value: `sk-${name}-0123456789` }, transportKey, { purpose: 'secret.create', tenantId: actor.tenantId ?? '', subject: name });
  return stack.bus.send(CredentialsOps.createSecret, { actor, name, kind: 'api_key', sealedValue });
}

const registerRecipient = (actor: Actor) =>
  stack.bus.send(CredentialsOps.registerRecipient, { actor, name: unique('orchestrator'), publicKey: generateRecipientKeyPair().publicKey });

/** Everything the tenant has in credentials-service: events, secrets, envelopes, recipients. */
async function written(tenantId: string): Promise<Record<string, number>> {
  const [row] = await stack.query<Record<string, number>>(
    `SELECT (SELECT count(*)::int FROM credentials.events WHERE tenant_id = $1) AS events,
            (SELECT count(*)::int FROM credentials.secrets WHERE tenant_id = $1) AS secrets,
            (SELECT count(*)::int FROM credentials.secret_versions WHERE tenant_id = $1) AS envelopes,
            (SELECT count(*)::int FROM credentials.recipients WHERE tenant_id = $1) AS recipients`,
    [tenantId],
  );
  return row ?? {};
}

describe('tenant quotas in credentials-service', () => {
  it('refuses a secret past the tenant’s limit before asking KMS, names kind and limit, and writes nothing', async () => {
    const tenantId = newTenantId();
    const admin = adminOf(tenantId);
    const set = value(await stack.bus.send(CredentialsOps.setTenantQuotas, { actor: operator, tenantId, changes: { secrets: 2 } }));
    expect(set).toEqual({
      secrets: { limit: 2, source: 'tenant', used: 0 },
      recipients: { limit: DEPLOYMENT_RECIPIENTS, source: 'default', used: 0 },
    });
    const first = value(await createSecret(admin));
    value(await createSecret(admin));

    const before = await written(tenantId);
    const kms = jest.spyOn(stack.kms, 'generateDataKey');
    try {
      const refused = await createSecret(admin);
      expect(refused.ok ? null : refused.error).toEqual({
        code: 'quota_exceeded',
        message: 'the tenant has reached its quota of 2 secrets; delete some or ask the operator to raise it',
        details: { kind: 'secrets', limit: 2 },
      });
      expect(kms).not.toHaveBeenCalled();
    } finally {
      kms.mockRestore();
    }
    expect(await written(tenantId)).toEqual(before);

    // A deleted secret counts no more.
    value(await stack.bus.send(CredentialsOps.deleteSecret, { actor: admin, id: first.id }));
    value(await createSecret(admin));
    expect(errorCode(await createSecret(admin))).toBe('quota_exceeded');
  });

  it('lets exactly one of eight concurrent secret creates take the last place', async () => {
    const tenantId = newTenantId();
    const admin = adminOf(tenantId);
    value(await createSecret(admin));
    value(await stack.bus.send(CredentialsOps.setTenantQuotas, { actor: operator, tenantId, changes: { secrets: 2 } }));
    const results = await Promise.all(Array.from({ length: 8 }, () => createSecret(admin)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).map(errorCode)).toEqual(Array(7).fill('quota_exceeded'));
    expect(await written(tenantId)).toMatchObject({ secrets: 2, envelopes: 2, events: 2 });
  });

  it('holds recipients to the deployment-wide limit, and exactly one of eight concurrent registrations takes the last place', async () => {
    const tenantId = newTenantId();
    const admin = adminOf(tenantId);
    value(await registerRecipient(admin));
    const results = await Promise.all(Array.from({ length: 8 }, () => registerRecipient(admin)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).map(errorCode)).toEqual(Array(7).fill('quota_exceeded'));
    const before = await written(tenantId);
    const refused = await registerRecipient(admin);
    expect(refused.ok ? null : refused.error.message).toBe(
      `the tenant has reached its quota of ${DEPLOYMENT_RECIPIENTS} recipients; delete some or ask the operator to raise it`,
    );
    expect(await written(tenantId)).toEqual(before);

    // The operator raises this tenant's limit, and clears it again.
    value(await stack.bus.send(CredentialsOps.setTenantQuotas, { actor: operator, tenantId, changes: { recipients: 3 } }));
    value(await registerRecipient(admin));
    const back = value(await stack.bus.send(CredentialsOps.setTenantQuotas, { actor: operator, tenantId, changes: { recipients: null } }));
    expect(back.recipients).toEqual({ limit: DEPLOYMENT_RECIPIENTS, source: 'default', used: 3 });
    expect(errorCode(await registerRecipient(admin))).toBe('quota_exceeded');
  });

  it('lets only the operator read or set quotas, for the kinds this service keeps', async () => {
    const tenantId = newTenantId();
    expect(errorCode(await stack.bus.send(CredentialsOps.tenantQuotas, { actor: adminOf(tenantId), tenantId }))).toBe('forbidden');
    expect(errorCode(await stack.bus.send(CredentialsOps.setTenantQuotas, { actor: adminOf(tenantId), tenantId, changes: { secrets: 9 } }))).toBe('forbidden');
    expect(errorCode(await stack.bus.send(CredentialsOps.setTenantQuotas, { actor: operator, tenantId, changes: { providers: 9 } }))).toBe(
      'validation_failed',
    );
    expect(value(await stack.bus.send(CredentialsOps.tenantQuotas, { actor: operator, tenantId }))).toEqual({
      secrets: { limit: DEFAULT_QUOTAS.secrets, source: 'default', used: 0 },
      recipients: { limit: DEPLOYMENT_RECIPIENTS, source: 'default', used: 0 },
    });
  });
});
