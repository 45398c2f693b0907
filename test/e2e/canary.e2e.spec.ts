import { randomBytes } from 'node:crypto';
import { generateRecipientKeyPair } from '@switchboard/sealing';
import {
  ApiClient,
  OtlpCollector,
  Stack,
  deleteEventsStream,
  dumpDatabase,
  eventually,
  readStreamMessages,
  type ApiResponse,
} from '@switchboard/testing';

type Json = Record<string, unknown>;

/**
 * A unique canary key goes through every path a key can take — saved, rotated, revealed, issued
 * with both deliveries, refused on bad input — and must then appear nowhere but in the reveal answer.
 */
describe('canary: a provider key never leaks', () => {
  const canary = `sk-canary-${randomBytes(18).toString('hex')}`;
  const forms = [canary, Buffer.from(canary).toString('base64'), Buffer.from(canary).toString('base64url'), Buffer.from(canary).toString('hex')];
  const responses: ApiResponse[] = [];
  let collector: OtlpCollector;
  let stack: Stack;

  beforeAll(async () => {
    collector = await new OtlpCollector().start();
    stack = await Stack.start({ otlpEndpoint: collector.endpoint });
  });

  afterAll(async () => {
    await stack?.stop();
    if (stack) await deleteEventsStream(stack.names);
    await collector?.stop();
  });

  const record = <T>(res: ApiResponse<T>): ApiResponse<T> => {
    responses.push(res as ApiResponse);
    return res;
  };

  it('drives the canary through every path', async () => {
    const tenant = await new ApiClient(stack.gatewayUrl, stack.operatorKey).post<Json>('/v1/tenants', { name: 'canary' });
    const tenantId = tenant.body.id as string;
    const admin = new ApiClient(stack.gatewayUrl, tenant.body.adminKey as string);
    const member = new ApiClient(stack.gatewayUrl, record(await admin.post<Json>('/v1/keys', { name: 'm', role: 'member' })).body.key as string);
    const orchestrator = generateRecipientKeyPair();
    const recipient = record(await admin.post<Json>('/v1/recipients', { name: 'orch', publicKey: orchestrator.publicKey }));

    const secret = record(await admin.post<Json>('/v1/secrets', { name: 'canary', value: canary }));
    expect(secret.status).toBe(201);
    const provider = record(await admin.post<Json>('/v1/providers', { name: 'canary-p', type: 'openai', apiKey: canary }));
    expect(provider.status).toBe(201);
    const secretId = secret.body.id as string;
    expect(record(await admin.put<Json>(`/v1/secrets/${secretId}`, { value: `${canary}-v2` })).status).toBe(200);
    const revealed = await admin.post<Json>(`/v1/secrets/${secretId}/reveal`);
    expect(revealed.body.value).toBe(`${canary}-v2`);

    for (const delivery of ['direct', 'proxy']) {
      const agent = record(await admin.post<Json>('/v1/agents', { name: `a-${delivery}`, providerId: provider.body.id, delivery }));
      const start = record(await admin.post<Json>(`/v1/agents/${agent.body.id}/start`, { recipientId: recipient.body.id }));
      expect(start.status).toBe(202);
      const issued = await eventually(
        () => readStreamMessages(stack.names, stack.names.event(tenantId, 'credential.issued')),
        (msgs) => msgs.some((m) => m.data.startId === start.body.startId),
        20_000,
      );
      expect(issued.some((m) => m.data.startId === start.body.startId)).toBe(true);
      record(await admin.post<Json>(`/v1/agents/${agent.body.id}/stop`));
    }

    // Bad paths: every one must refuse without echoing the value.
    const bad = [
      await admin.post('/v1/secrets', { name: '', value: canary }),
      await admin.post('/v1/secrets', { name: 'x', value: canary, extra: canary }),
      await admin.post('/v1/secrets', { name: { canary }, value: canary }),
      await admin.post('/v1/providers', { name: 'bad', type: 'bogus', apiKey: canary }),
      await admin.post('/v1/providers', { name: 'bad', type: 'openai', apiKey: `${canary} with spaces` }),
      await admin.post('/v1/providers', { name: 'canary-p', type: 'openai', apiKey: canary }),
      await admin.put(`/v1/secrets/${secretId}`, { value: canary }, { headers: { 'if-match': '"1"' } }),
      await admin.put(`/v1/secrets/${secretId}`, { value: canary, more: 1 }),
      await member.post(`/v1/secrets/${secretId}/reveal`),
      await member.post('/v1/secrets', { name: 'm', value: canary }),
      await admin.request('POST', '/v1/secrets', { rawBody: `{"name":"x","value":"${canary}"`, headers: { 'content-type': 'application/json' } }),
      await new ApiClient(stack.gatewayUrl).post('/v1/secrets', { name: 'x', value: canary }, { key: canary }),
      await admin.put('/v1/secrets/sec_00000000000000000000', { value: canary }),
    ];
    for (const res of bad) expect(res.status).toBeGreaterThanOrEqual(400);
    bad.forEach(record);
    for (const path of ['/v1/secrets', `/v1/secrets/${secretId}`, '/v1/providers', `/v1/providers/${provider.body.id}`, `/v1/providers/${provider.body.id}/history`]) {
      record(await admin.get(path));
    }
  });

  it('finds the canary nowhere: PostgreSQL, JetStream, logs, spans, REST answers', async () => {
    // Let the last spans and events flush before looking.
    await new Promise((r) => setTimeout(r, 1500));
    const places: Record<string, string> = {
      postgres: await dumpDatabase(stack.databaseUrl),
      jetstream: (await readStreamMessages(stack.names)).map((m) => m.raw).join('\n'),
      logs: stack.output(),
      spans: collector.raw(),
      rest: responses.map((r) => `${r.status} ${JSON.stringify(Object.fromEntries(r.headers))} ${r.text}`).join('\n'),
    };
    expect(places.postgres.length).toBeGreaterThan(1000);
    expect(places.jetstream).toContain('credential.issued');
    expect(places.spans.length).toBeGreaterThan(1000);
    for (const [place, text] of Object.entries(places)) {
      for (const form of forms) expect([place, text.includes(form)]).toEqual([place, false]);
    }
  });
});
