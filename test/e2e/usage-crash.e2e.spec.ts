import OpenAI from 'openai';
import { ApiClient, MockLlmUpstream, Stack, deleteEventsStream, eventually } from '@switchboard/testing';

type Json = Record<string, unknown>;
interface UsageRow {
  key: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
}

describe('usage projections survive kill -9 of usage-service under load', () => {
  let mock: MockLlmUpstream;
  let stack: Stack;

  beforeAll(async () => {
    mock = await new MockLlmUpstream().start();
    stack = await Stack.start({ env: { SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32' } });
  });

  afterAll(async () => {
    await stack?.stop();
    if (stack) await deleteEventsStream(stack.names);
    await mock?.stop();
  });

  it('counts every call once after a crash and a restart', async () => {
    const tenant = await new ApiClient(stack.gatewayUrl, stack.operatorKey).post<Json>('/v1/tenants', { name: 'crash' });
    const admin = new ApiClient(stack.gatewayUrl, tenant.body.adminKey as string);
    const provider = await admin.post<Json>('/v1/providers', { name: 'p', type: 'custom', endpoint: `${mock.baseUrl}/v1`, apiKey: 'sk-crash-123456' });
    await admin.post(`/v1/providers/${provider.body.id}/models`, { name: 'm', upstreamModel: 'gpt-mock' });
    const agent = await admin.post<Json>('/v1/agents', { name: 'a', providerId: provider.body.id });
    const key = (await admin.post<Json>('/v1/keys', { name: 'k', role: 'agent', agentId: agent.body.id })).body.key as string;
    const client = new OpenAI({ apiKey: key, baseURL: `${stack.gatewayUrl}/v1`, maxRetries: 0 });
    const call = (i: number) => client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: `call ${i}` }], max_tokens: 3 });

    const load = (from: number, count: number) => Promise.all(Array.from({ length: count }, (_, i) => call(from + i)));
    await load(0, 40);
    // Crash in the middle of a burst: some events are in flight, some delivered but not yet acked.
    const burst = load(40, 60);
    await new Promise((r) => setTimeout(r, 30));
    await stack.kill('usage-service', 'SIGKILL');
    await burst;
    await load(100, 20);
    stack.spawn('usage-service', 1);

    const expected = mock.calls().filter((c) => c.endpoint === 'chat_completions');
    expect(expected).toHaveLength(120);
    const totals = await eventually(
      async () => (await admin.get<{ data: UsageRow[] }>('/v1/usage?groupBy=agent')).body?.data?.[0],
      (row) => row?.requests === 120,
      // Events the killed process held unacknowledged come back after the consumer's ack wait (30 s).
      75_000,
    );
    expect(totals).toMatchObject({
      key: agent.body.id,
      requests: 120,
      outputTokens: 120 * 3,
      inputTokens: expected.reduce((sum, c) => sum + (c.usage?.inputTokens ?? 0), 0),
    });
  }, 120_000);
});
