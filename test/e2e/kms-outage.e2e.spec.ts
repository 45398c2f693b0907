import { generateRecipientKeyPair } from '@switchboard/sealing';
import { ApiClient, KmsEmulator, Stack, deleteEventsStream, eventually, readStreamMessages } from '@switchboard/testing';

type Json = Record<string, unknown>;

describe('KMS outage (aws backend against the KMS-protocol emulator)', () => {
  let kms: KmsEmulator;
  let stack: Stack;
  let admin: ApiClient;
  let tenantId: string;
  let recipientId: string;
  let agentId: string;

  beforeAll(async () => {
    kms = await new KmsEmulator().start();
    stack = await Stack.start({ kms: { backend: 'aws', endpoint: kms.endpoint, keyId: kms.createKey() } });
    const tenant = await new ApiClient(stack.gatewayUrl, stack.operatorKey).post<Json>('/v1/tenants', { name: 'kms' });
    tenantId = tenant.body.id as string;
    admin = new ApiClient(stack.gatewayUrl, tenant.body.adminKey as string);
    const recipient = await admin.post<Json>('/v1/recipients', { name: 'o', publicKey: generateRecipientKeyPair().publicKey });
    recipientId = recipient.body.id as string;
    const provider = await admin.post<Json>('/v1/providers', { name: 'p', type: 'openai', apiKey: 'sk-before-outage-123456' });
    expect(provider.status).toBe(201);
    const agent = await admin.post<Json>('/v1/agents', { name: 'a', providerId: provider.body.id, delivery: 'direct' });
    agentId = agent.body.id as string;
  });

  afterAll(async () => {
    await stack?.stop();
    if (stack) await deleteEventsStream(stack.names);
    await kms?.stop();
  });

  async function outcome(startId: string) {
    const msgs = await eventually(
      () => readStreamMessages(stack.names, stack.names.event(tenantId, 'credential.*')),
      (all) => all.some((m) => m.data.startId === startId),
      20_000,
    );
    return msgs.find((m) => m.data.startId === startId);
  }

  it('answers 503 and writes nothing while KMS is down; denies starts with kms_unavailable; recovers', async () => {
    const before = (await admin.get<{ data: Json[] }>('/v1/secrets')).body.data.length;
    kms.setAvailable(false);
    const refused = await admin.post<Json>('/v1/secrets', { name: 'during-outage', value: 'sk-during-outage-000' });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toEqual(expect.any(String));
    expect((await admin.get<{ data: Json[] }>('/v1/secrets')).body.data.length).toBe(before);
    const start = await admin.post<Json>(`/v1/agents/${agentId}/start`, { recipientId });
    expect(start.status).toBe(202);
    expect((await outcome(start.body.startId as string))?.data).toMatchObject({ type: 'credential.denied', reason: 'kms_unavailable' });

    kms.setAvailable(true);
    const created = await admin.post<Json>('/v1/secrets', { name: 'after-outage', value: 'sk-after-outage-000' });
    expect(created.status).toBe(201);
    const again = await admin.post<Json>(`/v1/agents/${agentId}/start`, { recipientId });
    expect((await outcome(again.body.startId as string))?.data.type).toBe('credential.issued');
  });

  it('deletes a tenant resumably: with KMS down the DELETE answers 503 and leaves it unusable, the retry destroys its key', async () => {
    const operator = new ApiClient(stack.gatewayUrl, stack.operatorKey);
    const tenant = await operator.post<Json>('/v1/tenants', { name: 'shred-later' });
    const doomedId = tenant.body.id as string;
    const doomed = new ApiClient(stack.gatewayUrl, tenant.body.adminKey as string);
    expect((await doomed.post<Json>('/v1/secrets', { name: 's', value: 'sk-shred-later-0123456789' })).status).toBe(201);
    const alias = `alias/switchboard/tenant/${doomedId}`;
    expect(kms.keyState(alias)).toBe('Enabled');

    kms.setAvailable(false);
    const refused = await operator.delete<Json>(`/v1/tenants/${doomedId}`).finally(() => kms.setAvailable(true));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toEqual(expect.any(String));
    // Half-way the tenant is already unusable, its key not destroyed yet, and no tenant.deleted announced.
    expect((await doomed.get('/v1/secrets')).status).toBe(401);
    expect((await operator.get(`/v1/tenants/${doomedId}/quotas`)).status).toBe(404);
    expect(kms.keyState(alias)).toBe('Enabled');
    expect(await readStreamMessages(stack.names, stack.names.event(doomedId, 'tenant.deleted'))).toEqual([]);

    const resumed = await operator.delete<Json>(`/v1/tenants/${doomedId}`);
    expect(resumed.status).toBe(202);
    expect(kms.keyState(alias)).toBe('PendingDeletion');
    // AWS's shortest waiting period unless KMS_TENANT_KEY_DELETION_DAYS says otherwise.
    const days = (Date.parse(resumed.body.keyDeletionDate as string) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThan(7.1);
    const announced = await eventually(
      () => readStreamMessages(stack.names, stack.names.event(doomedId, 'tenant.deleted')),
      (msgs) => msgs.length === 1,
    );
    expect(announced[0]?.data).toMatchObject({ tenantId: doomedId, keyDeletionDate: resumed.body.keyDeletionDate });
    expect((await operator.delete(`/v1/tenants/${doomedId}`)).status).toBe(404);
    // The other tenant of this stack still works, its secrets under its own, live key.
    expect((await admin.post<Json>('/v1/secrets', { name: 'still-fine', value: 'sk-still-fine-000' })).status).toBe(201);
  });
});
