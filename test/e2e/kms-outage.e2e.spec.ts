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
});
