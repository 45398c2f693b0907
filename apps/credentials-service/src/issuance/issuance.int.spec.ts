import { createHash } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { CredentialsOps, newId, type Actor, type Delivery, type StartProviderSnapshot } from '@switchboard/contracts';
import { AwsKms } from '@switchboard/kms';
import { generateRecipientKeyPair, openCredential, sealForTransport, type RecipientKeyPair, type SealedCredential } from '@switchboard/sealing';
import { EVENT_PROOF_HEADER, type ServiceIdentity } from '@switchboard/service-identity';
import { untrustedIdentity } from '@switchboard/service-identity/testing';
import { KmsEmulator } from '@switchboard/testing';
import { IssueCredentialHandler } from './issue-credential/issue-credential.service.js';
import { adminOf, newTenantId, startTestStack, transportKeyOf, value, type TestStack } from '../../test/service.harness.js';

const PUBLIC_URL = 'https://switchboard.example.test';
let emulator: KmsEmulator;
let kms: AwsKms;
let stack: TestStack;

interface Tenant {
  tenantId: string;
  admin: Actor;
  recipientId: string;
  recipient: RecipientKeyPair;
  secretId: string;
}

async function newTenant(secret: unknown = 'sk-upstream-0123456789abcdef', kind: 'api_key' | 'headers' = 'api_key'): Promise<Tenant> {
  const tenantId = newTenantId();
  const admin = adminOf(tenantId);
  const recipient = generateRecipientKeyPair();
  const registered = value(await stack.bus.send(CredentialsOps.registerRecipient, { actor: admin, name: 'orchestrator', publicKey: recipient.publicKey }));
  const sealedValue = sealForTransport({ value: secret }, await transportKeyOf(stack.bus), { purpose: 'secret.create', tenantId, subject: 'upstream' });
  const created = value(await stack.bus.send(CredentialsOps.createSecret, { actor: admin, name: 'upstream', kind, sealedValue }));
  return { tenantId, admin, recipientId: registered.id, recipient, secretId: created.id };
}

const providerOf = (secretId: string | null): StartProviderSnapshot => ({
  id: 'prv_1',
  type: 'openai',
  protocol: 'openai',
  endpoint: 'https://api.openai.com/v1',
  authMethod: 'bearer',
  organizationId: null,
  model: 'gpt-4o-mini',
  secretId,
});

interface StartFields {
  agentId?: string;
  startId?: string;
  recipientId?: string;
  delivery?: Delivery;
  provider?: StartProviderSnapshot | null;
}

/** Publishes on the stream with the proof `publisher` makes (providers-service's, as its relay does), or none. */
async function publishSigned(subject: string, payload: string, msgId?: string, publisher: ServiceIdentity | null = stack.identities.identity('providers')) {
  const headers = natsHeaders();
  if (publisher !== null) headers.set(EVENT_PROOF_HEADER, publisher.signEvent(subject, payload));
  await jetstream(stack.nc).publish(subject, payload, { headers, ...(msgId ? { msgID: msgId } : {}) });
}

/** Publishes agent.start_requested as providers-service does: its own subject, msgID = eventId, its proof. */
async function publishStart(tenant: Tenant, fields: StartFields = {}, msgId?: string, publisher?: ServiceIdentity | null) {
  const eventId = newId('event');
  const start = {
    eventId,
    type: 'agent.start_requested',
    tenantId: tenant.tenantId,
    at: new Date().toISOString(),
    agentId: fields.agentId ?? newId('agent'),
    startId: fields.startId ?? newId('start'),
    recipientId: fields.recipientId ?? tenant.recipientId,
    delivery: fields.delivery ?? 'direct',
    provider: fields.provider === undefined ? providerOf(tenant.secretId) : fields.provider,
  };
  await publishSigned(stack.names.event(tenant.tenantId, 'agent.start_requested'), JSON.stringify(start), msgId ?? eventId, publisher);
  return start;
}

/** The tenant's credential.issued or credential.denied, whichever the issuer published. */
async function decisionFor(tenant: Tenant, waitMs = 5_000): Promise<{ type: string; data: Record<string, unknown> }> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    for (const busType of ['credential.issued', 'credential.denied']) {
      const message = await stack.lastEvent(tenant.tenantId, busType, 0);
      if (message) return { type: busType, data: message.json<Record<string, unknown>>() };
    }
    if (Date.now() > deadline) throw new Error(`no decision for tenant ${tenant.tenantId} within ${waitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function open(tenant: Tenant, event: Record<string, unknown>): Record<string, unknown> {
  const ctx = { tenantId: tenant.tenantId, agentId: String(event['agentId']), startId: String(event['startId']), recipientId: tenant.recipientId };
  const opened = value(openCredential(event['sealed'] as SealedCredential, tenant.recipient.privateKey, ctx));
  return JSON.parse(opened.toString('utf8')) as Record<string, unknown>;
}

beforeAll(async () => {
  emulator = await new KmsEmulator().start();
  kms = new AwsKms({ keyId: emulator.createKey(), endpoint: emulator.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  stack = await startTestStack({ kms, settings: { publicUrl: PUBLIC_URL, credentialTtlSeconds: 600 } });
});

afterAll(async () => {
  await stack?.stop();
  kms?.close();
  await emulator?.stop();
});

describe('credential issuance at agent start', () => {
  it('issues a direct credential: the real key, sealed to the recipient, nowhere in plaintext', async () => {
    const tenant = await newTenant();
    const started = Date.now();
    const start = await publishStart(tenant);
    const decision = await decisionFor(tenant);
    expect(decision.type).toBe('credential.issued');
    const { secretId: _secretId, ...provider } = providerOf(tenant.secretId);
    expect(decision.data).toMatchObject({ tenantId: tenant.tenantId, agentId: start.agentId, startId: start.startId, recipientId: tenant.recipientId, delivery: 'direct', provider });
    expect(decision.data['provider']).not.toHaveProperty('secretId');
    expect(JSON.stringify(decision.data)).not.toContain('0123456789abcdef');
    const credential = open(tenant, decision.data);
    expect(credential).toEqual({ baseUrl: 'https://api.openai.com/v1', apiKey: 'sk-upstream-0123456789abcdef', expiresAt: decision.data['expiresAt'] });
    const ttl = Date.parse(String(decision.data['expiresAt'])) - started;
    expect(ttl).toBeGreaterThan(590_000);
    expect(ttl).toBeLessThan(620_000);
  });

  it('issues custom headers directly as {baseUrl, headers}', async () => {
    const tenant = await newTenant({ 'X-Api-Key': 'k-0123456789', 'X-Org': 'org-7' }, 'headers');
    await publishStart(tenant);
    const decision = await decisionFor(tenant);
    expect(open(tenant, decision.data)).toMatchObject({ baseUrl: 'https://api.openai.com/v1', headers: { 'X-Api-Key': 'k-0123456789', 'X-Org': 'org-7' } });
  });

  it('issues a proxy credential: a scoped sbk_ key whose hash providers-service registered, and the gateway URL', async () => {
    const tenant = await newTenant();
    const start = await publishStart(tenant, { delivery: 'proxy' });
    const decision = await decisionFor(tenant);
    expect(decision).toMatchObject({ type: 'credential.issued', data: { delivery: 'proxy' } });
    const credential = open(tenant, decision.data);
    expect(credential).toMatchObject({ baseUrl: `${PUBLIC_URL}/v1`, expiresAt: decision.data['expiresAt'] });
    const apiKey = String(credential['apiKey']);
    expect(apiKey).toMatch(/^sbk_[A-Za-z0-9_-]{43}$/);
    const registered = stack.providers.issuedKeys.find((k) => k.startId === start.startId);
    expect(registered).toMatchObject({ tenantId: tenant.tenantId, agentId: start.agentId, keyHash: createHash('sha256').update(apiKey).digest('hex'), expiresAt: decision.data['expiresAt'] });
    expect(registered?.keyId).toMatch(/^key_/);
  });

  it('retries a proxy start while providers-service cannot issue the key, instead of denying it', async () => {
    const tenant = await newTenant();
    stack.providers.issueAgentKeyError = 'unavailable';
    let cleared = false;
    try {
      const start = await publishStart(tenant, { delivery: 'proxy' });
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(await stack.lastEvent(tenant.tenantId, 'credential.denied', 0)).toBeNull();
      expect(await stack.lastEvent(tenant.tenantId, 'credential.issued', 0)).toBeNull();
      stack.providers.issueAgentKeyError = null;
      cleared = true;
      const decision = await decisionFor(tenant);
      expect(decision).toMatchObject({ type: 'credential.issued', data: { startId: start.startId } });
    } finally {
      if (!cleared) stack.providers.issueAgentKeyError = null;
    }
  });

  it.each([
    ['unknown_recipient', async (tenant: Tenant) => publishStart(tenant, { recipientId: newId('recipient') })],
    ['unknown_recipient', async (tenant: Tenant) => publishStart(tenant, { recipientId: (await newTenant()).recipientId })],
    ['provider_deleted', async (tenant: Tenant) => publishStart(tenant, { provider: null })],
    ['no_credentials', async (tenant: Tenant) => publishStart(tenant, { provider: providerOf(null) })],
    ['secret_unreadable', async (tenant: Tenant) => publishStart(tenant, { provider: providerOf(newId('secret')) })],
    ['secret_unreadable', async (tenant: Tenant) => publishStart(tenant, { provider: providerOf((await newTenant()).secretId) })],
    [
      'secret_unreadable',
      async (tenant: Tenant) => {
        const other = await newTenant('sk-other-0123456789');
        await stack.query(
          `UPDATE credentials.secret_versions t SET wrapped_key = s.wrapped_key, iv = s.iv, ciphertext = s.ciphertext, tag = s.tag
             FROM credentials.secret_versions s WHERE s.secret_id = $1 AND t.secret_id = $2`,
          [other.secretId, tenant.secretId],
        );
        return publishStart(tenant);
      },
    ],
    [
      'agent_deleted',
      async (tenant: Tenant) => {
        stack.providers.issueAgentKeyError = 'agent_not_found';
        return publishStart(tenant, { delivery: 'proxy' });
      },
    ],
  ])('denies with %s', async (reason, start) => {
    const tenant = await newTenant();
    try {
      const { agentId, startId } = await start(tenant);
      const decision = await decisionFor(tenant);
      expect(decision).toMatchObject({ type: 'credential.denied', data: { tenantId: tenant.tenantId, agentId, startId, reason } });
    } finally {
      stack.providers.issueAgentKeyError = null;
    }
  });

  it('denies with kms_unavailable while KMS is down', async () => {
    const tenant = await newTenant();
    emulator.setAvailable(false);
    try {
      await publishStart(tenant);
      expect(await decisionFor(tenant)).toMatchObject({ type: 'credential.denied', data: { reason: 'kms_unavailable' } });
    } finally {
      emulator.setAvailable(true);
    }
  });

  it('decides a start once, however often it is delivered', async () => {
    const tenant = await newTenant();
    const start = await publishStart(tenant, { delivery: 'proxy' });
    await decisionFor(tenant);
    // The same event published again past JetStream's duplicate window (a new msgID), and once more inside it.
    await publishStart(tenant, { ...start }, newId('event'));
    await publishStart(tenant, { ...start }, start.eventId);
    await stack.issuerIdle();
    expect(await stack.events(tenant.tenantId, 'credential.issued')).toHaveLength(1);
    expect(stack.providers.issuedKeys.filter((k) => k.startId === start.startId)).toHaveLength(1);
    const stored = await stack.query('SELECT version FROM credentials.events WHERE stream_id = $1', [`start-${start.startId}`]);
    expect(stored).toEqual([{ version: 1 }]);
  });

  it('decides once when two replicas handle the same start at the same moment', async () => {
    const tenant = await newTenant();
    const issuer = stack.service.app.get(IssueCredentialHandler);
    const start = {
      eventId: newId('event'),
      type: 'agent.start_requested',
      tenantId: tenant.tenantId,
      at: new Date().toISOString(),
      agentId: newId('agent'),
      startId: newId('start'),
      recipientId: tenant.recipientId,
      delivery: 'direct' as const,
      provider: providerOf(tenant.secretId),
    };
    const outcomes = await Promise.all([issuer.handle(start), issuer.handle(start), issuer.handle(start)]);
    expect(outcomes.filter((o) => o === 'issued')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'already_decided')).toHaveLength(2);
    await decisionFor(tenant);
    expect(await stack.events(tenant.tenantId, 'credential.issued')).toHaveLength(1);
  });

  it('drops a malformed start event and goes on with the next one', async () => {
    const tenant = await newTenant();
    const subject = stack.names.event(tenant.tenantId, 'agent.start_requested');
    await publishSigned(subject, JSON.stringify({ eventId: newId('event'), type: 'agent.start_requested', tenantId: tenant.tenantId, at: 'now' }));
    await publishSigned(subject, '{not json');
    // Another tenant's start filed under this tenant's subject is not to be trusted either.
    const other = await newTenant();
    await publishSigned(subject, JSON.stringify({ eventId: newId('event'), type: 'agent.start_requested', tenantId: other.tenantId, at: new Date().toISOString(),
      agentId: newId('agent'), startId: newId('start'), recipientId: other.recipientId, delivery: 'direct', provider: providerOf(other.secretId) }));
    const start = await publishStart(tenant);
    expect(await decisionFor(tenant)).toMatchObject({ type: 'credential.issued', data: { startId: start.startId } });
    await stack.issuerIdle();
    expect(await stack.events(other.tenantId, 'credential.issued')).toEqual([]);
  });

  it('drops a start providers-service did not publish: unsigned, signed by another service, or moved from another subject', async () => {
    const tenant = await newTenant();
    // What a process on the bus would forge: the tenant's real secret, delivered directly, pointing at its own endpoint.
    const forged = { delivery: 'direct' as const, provider: { ...providerOf(tenant.secretId), endpoint: 'https://attacker.example/v1' } };
    const unsigned = await publishStart(tenant, forged, undefined, null);
    const byUsage = await publishStart(tenant, forged, undefined, stack.identities.identity('usage'));
    const byStranger = await publishStart(tenant, forged, undefined, untrustedIdentity('providers'));
    // A genuine proof, made for another subject, copied onto this tenant's.
    const elsewhere = { eventId: newId('event'), type: 'agent.start_requested', tenantId: tenant.tenantId, at: new Date().toISOString(), agentId: newId('agent'),
      startId: newId('start'), recipientId: tenant.recipientId, ...forged };
    const payload = JSON.stringify(elsewhere);
    const headers = natsHeaders();
    headers.set(EVENT_PROOF_HEADER, stack.identities.identity('providers').signEvent(stack.names.event(newTenantId(), 'agent.start_requested'), payload));
    await jetstream(stack.nc).publish(stack.names.event(tenant.tenantId, 'agent.start_requested'), payload, { headers });

    const genuine = await publishStart(tenant);
    expect(await decisionFor(tenant)).toMatchObject({ type: 'credential.issued', data: { startId: genuine.startId } });
    await stack.issuerIdle();
    const decided = [...(await stack.events(tenant.tenantId, 'credential.issued')), ...(await stack.events(tenant.tenantId, 'credential.denied'))];
    expect(decided.map((e) => e['startId'])).toEqual([genuine.startId]);
    const forgedStarts = [unsigned, byUsage, byStranger, elsewhere].map((s) => `start-${s.startId}`);
    expect(await stack.query('SELECT stream_id FROM credentials.events WHERE stream_id = ANY($1)', [forgedStarts])).toEqual([]);
  });
});
