import OpenAI from 'openai';
import { ApiClient, MockLlmUpstream, NatsServer, Stack, eventually, readStreamMessages } from '@switchboard/testing';

type Json = Record<string, unknown>;

/** The stack runs on a NATS server of its own so the test can kill it mid-run. */
describe('usage events survive a NATS outage', () => {
  let nats: NatsServer;
  let mock: MockLlmUpstream;
  let stack: Stack;

  beforeAll(async () => {
    nats = await new NatsServer().start();
    mock = await new MockLlmUpstream().start();
    stack = await Stack.start({ env: { NATS_URL: nats.url, SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32' } });
  });

  afterAll(async () => {
    await stack?.stop();
    await mock?.stop();
    await nats?.stop();
  });

  it('counts every upstream call once, with NATS down for part of the run', async () => {
    const tenant = await new ApiClient(stack.gatewayUrl, stack.operatorKey).post<Json>('/v1/tenants', { name: 'spool' });
    const admin = new ApiClient(stack.gatewayUrl, tenant.body.adminKey as string);
    const provider = await admin.post<Json>('/v1/providers', { name: 'p', type: 'custom', endpoint: `${mock.baseUrl}/v1`, apiKey: 'sk-x-123456' });
    await admin.post(`/v1/providers/${provider.body.id}/models`, { name: 'm', upstreamModel: 'gpt-mock' });
    const agent = await admin.post<Json>('/v1/agents', { name: 'a', providerId: provider.body.id });
    const key = (await admin.post<Json>('/v1/keys', { name: 'k', role: 'agent', agentId: agent.body.id })).body.key as string;
    const client = new OpenAI({ apiKey: key, baseURL: `${stack.gatewayUrl}/v1`, maxRetries: 0 });
    const call = () => client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 });

    for (let i = 0; i < 10; i++) await call();
    await nats.kill();
    let duringOutage = 0;
    for (let i = 0; i < 10; i++) {
      // Routes and credentials are cached: the proxy keeps serving while the bus is down.
      await call().then(() => duringOutage++, () => undefined);
    }
    expect(duringOutage).toBe(10);
    await nats.start();
    for (let i = 0; i < 10; i++) await call();

    const upstreamCalls = mock.calls().filter((c) => c.endpoint === 'chat_completions').length;
    expect(upstreamCalls).toBe(30);
    const events = await eventually(
      () => readStreamMessages(stack.names, stack.names.event(tenant.body.id as string, 'usage.recorded'), nats.url),
      (msgs) => msgs.length >= upstreamCalls,
      30_000,
    );
    expect(events.length).toBe(upstreamCalls);
    expect(new Set(events.map((e) => e.data.requestId)).size).toBe(upstreamCalls);
  });
});
