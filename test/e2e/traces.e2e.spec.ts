import { generateRecipientKeyPair } from '@switchboard/sealing';
import {
  ApiClient,
  MockLlmUpstream,
  OtlpCollector,
  Stack,
  deleteEventsStream,
  eventually,
  readStreamMessages,
  type CollectedSpan,
} from '@switchboard/testing';

type Json = Record<string, unknown>;
/** OTLP span kinds. */
const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;

const PROVIDER_KEY = 'sk-traced-provider-0123456789abcdef';
const PROMPT = 'Name three colours, in a secret order only you know.';

/** From a span up to the root of its trace, through parent ids: one unbroken chain or a missing link. */
function ancestry(trace: readonly CollectedSpan[], from: CollectedSpan): CollectedSpan[] {
  const byId = new Map(trace.map((s) => [s.spanId, s]));
  const chain: CollectedSpan[] = [];
  for (let s: CollectedSpan | undefined = from; s; s = s.parentSpanId === null ? undefined : byId.get(s.parentSpanId)) chain.push(s);
  return chain;
}

/**
 * What an operator queries: for one proxied streamed call, one trace from the gateway's SERVER span through the upstream
 * CLIENT span (GenAI semantic conventions, the usage event's token counts) to usage-service's projection; for one agent
 * start, one trace from the gateway through providers-service and credentials-service (its KMS call) to the
 * `credential.issued` publish. All as exported over OTLP by the real services.
 */
describe('traces an operator can query', () => {
  let mock: MockLlmUpstream;
  let collector: OtlpCollector;
  let stack: Stack;
  let admin: ApiClient;
  let tenantId: string;

  beforeAll(async () => {
    mock = await new MockLlmUpstream().start();
    mock.configure({ chunks: 6, reply: 'red green blue and then some more', interChunkDelayMs: 0, latencyMs: 0, fault: null });
    collector = await new OtlpCollector().start();
    // Gateway #1 samples as an operator may set it: no new traces of its own, those a caller samples continued.
    stack = await Stack.start({
      otlpEndpoint: collector.endpoint,
      env: { SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32' },
      replicas: { gateway: 2 },
      replicaEnv: { gateway: [{}, { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' }] },
    });
    const tenant = await new ApiClient(stack.gatewayUrl, stack.operatorKey).post<Json>('/v1/tenants', { name: 'traced' });
    tenantId = tenant.body.id as string;
    admin = new ApiClient(stack.gatewayUrl, tenant.body.adminKey as string);
  });

  afterAll(async () => {
    await stack?.stop();
    if (stack) await deleteEventsStream(stack.names);
    await collector?.stop();
    await mock?.stop();
  });

  it('follows a streamed proxied call from the gateway to the upstream and into the usage projection', async () => {
    const provider = await admin.post<Json>('/v1/providers', { name: 'traced-upstream', type: 'custom', endpoint: `${mock.baseUrl}/v1`, apiKey: PROVIDER_KEY });
    expect(provider.status).toBe(201);
    await admin.post(`/v1/providers/${provider.body.id as string}/models`, { name: 'traced-model', upstreamModel: 'gpt-mock' });
    const agent = await admin.post<Json>('/v1/agents', { name: 'traced-agent', providerId: provider.body.id });
    const agentKey = (await admin.post<Json>('/v1/keys', { name: 'traced-key', role: 'agent', agentId: agent.body.id })).body.key as string;

    const response = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agentKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'traced-model', stream: true, messages: [{ role: 'user', content: PROMPT }] }),
    });
    expect(response.status).toBe(200);
    await response.text();
    const requestId = response.headers.get('x-request-id') ?? '';

    const usage = await eventually(
      async () => (await readStreamMessages(stack.names, stack.names.event(tenantId, 'usage.recorded'))).find((m) => m.data['requestId'] === requestId),
      (message) => message !== undefined,
      15_000,
    );
    const event = usage?.data ?? {};
    expect(event['outputTokens']).toBeGreaterThan(0);

    const isUpstream = (s: CollectedSpan): boolean => s.serviceName === 'gateway' && s.kind === CLIENT && s.attributes['gen_ai.operation.name'] === 'chat';
    const spans = await collector.waitFor((all) => {
      const upstream = all.find(isUpstream);
      return upstream !== undefined && all.some((s) => s.traceId === upstream.traceId && s.serviceName === 'usage-service' && s.kind === CONSUMER);
    });
    const upstream = spans.find(isUpstream) as CollectedSpan;
    const trace = spans.filter((s) => s.traceId === upstream.traceId);
    const server = trace.find((s) => s.serviceName === 'gateway' && s.kind === SERVER);
    expect(server?.name).toBe('POST /v1/chat/completions');
    expect(upstream.parentSpanId).toBe(server?.spanId);

    expect(upstream.name).toBe('chat gpt-mock');
    const expected = {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-mock',
      'gen_ai.response.model': 'gpt-mock',
      'openai.api.type': 'chat_completions',
      'server.address': '127.0.0.1',
      'server.port': Number(new URL(mock.baseUrl).port),
    };
    const tokens = { 'gen_ai.usage.input_tokens': event['inputTokens'], 'gen_ai.usage.output_tokens': event['outputTokens'] };
    const numeric = (attributes: Readonly<Record<string, unknown>>) =>
      Object.fromEntries(Object.entries(attributes).map(([key, value]) => [key, typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value]));
    expect(numeric(upstream.attributes)).toMatchObject({ ...expected, ...tokens, 'switchboard.usage_source': event['usageSource'] });
    expect(numeric(server?.attributes ?? {})).toMatchObject({ ...expected, ...tokens });

    // The projection continues the trace through the usage event's publish.
    const projection = trace.find((s) => s.serviceName === 'usage-service' && s.kind === CONSUMER) as CollectedSpan;
    expect(projection.attributes).toMatchObject({ 'messaging.system': 'nats', 'messaging.operation.type': 'process' });
    const chain = ancestry(trace, projection);
    expect(chain.map((s) => s.spanId)).toEqual(expect.arrayContaining([upstream.spanId, server?.spanId]));
    const publish = chain.find((s) => s.kind === PRODUCER);
    expect(publish).toMatchObject({ serviceName: 'gateway', name: 'send usage.recorded' });
    expect(publish?.attributes).toMatchObject({ 'messaging.system': 'nats', 'messaging.operation.type': 'send', 'messaging.destination.name': usage?.subject });

    // Never a key, a prompt or a completion in what was exported.
    const exported = collector.raw();
    for (const secret of [PROVIDER_KEY, agentKey, PROMPT, 'red green blue']) expect(exported).not.toContain(secret);
  });

  it('follows an agent start from the gateway through providers-service and credentials-service (KMS) to credential.issued', async () => {
    const orchestrator = generateRecipientKeyPair();
    const recipient = await admin.post<Json>('/v1/recipients', { name: 'traced-orchestrator', publicKey: orchestrator.publicKey });
    const provider = await admin.post<Json>('/v1/providers', { name: 'traced-start', type: 'openai', apiKey: PROVIDER_KEY });
    const agent = await admin.post<Json>('/v1/agents', { name: 'traced-starter', providerId: provider.body.id, model: 'gpt-4o' });
    const start = await admin.post<Json>(`/v1/agents/${agent.body.id as string}/start`, { recipientId: recipient.body.id });
    expect(start.status).toBe(202);

    const isIssuedPublish = (s: CollectedSpan): boolean =>
      s.kind === PRODUCER && s.name === 'send credential.issued' && s.serviceName === 'credentials-service';
    const spans = await collector.waitFor((all) =>
      all.some((s) => isIssuedPublish(s) && all.some((root) => root.traceId === s.traceId && root.serviceName === 'gateway' && root.kind === SERVER)),
    );
    const publish = spans.find((s) => isIssuedPublish(s) && spans.some((r) => r.traceId === s.traceId && r.name === 'POST /v1/agents/:id/start')) as CollectedSpan;
    expect(publish).toBeDefined();
    const trace = spans.filter((s) => s.traceId === publish.traceId);
    const chain = ancestry(trace, publish);
    const root = chain[chain.length - 1];
    expect(root).toMatchObject({ serviceName: 'gateway', kind: SERVER, name: 'POST /v1/agents/:id/start', parentSpanId: null });
    const services = chain.map((s) => `${s.serviceName}:${s.kind}`);
    expect(services).toEqual(expect.arrayContaining(['gateway:3', 'providers-service:2', 'providers-service:4', 'credentials-service:5']));
    expect(publish.attributes).toMatchObject({ 'messaging.system': 'nats', 'messaging.operation.type': 'send' });
    expect(String(publish.attributes['messaging.destination.name'])).toMatch(/credential\.issued$/);

    const kms = trace.find((s) => s.serviceName === 'credentials-service' && s.name === 'KMS Decrypt');
    expect(kms?.attributes).toMatchObject({ 'kms.backend': 'local', 'kms.operation': 'Decrypt' });
    // The KMS call ran inside the issuance's consumer span, in the same trace as the publish.
    expect(ancestry(trace, kms as CollectedSpan).some((s) => s.serviceName === 'credentials-service' && s.kind === CONSUMER)).toBe(true);
    expect(collector.raw()).not.toContain(PROVIDER_KEY);
  });

  it('samples as OTEL_TRACES_SAMPLER says: at ratio 0 no trace of its own, a caller\'s sampled trace continued', async () => {
    const gateway = new ApiClient(stack.gatewayUrls[1] as string, admin.defaultKey);
    const unsampled = 'prv_00000000000000000001';
    const sampled = 'prv_00000000000000000002';
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    expect((await gateway.get(`/v1/providers/${unsampled}`)).status).toBe(404);
    const traceparent = `00-${traceId}-00f067aa0ba902b7-01`;
    expect((await gateway.get(`/v1/providers/${sampled}`, { headers: { traceparent } })).status).toBe(404);
    const isGatewayServer = (s: CollectedSpan): boolean => s.traceId === traceId && s.serviceName === 'gateway' && s.kind === SERVER;
    const spans = await collector.waitFor((all) => all.some(isGatewayServer));
    expect(spans.find(isGatewayServer)?.attributes['url.path']).toBe(`/v1/providers/${sampled}`);
    // Exported in a batch no later than the sampled call's, had it been recorded.
    expect(spans.filter((s) => s.attributes['url.path'] === `/v1/providers/${unsampled}`)).toEqual([]);
  });
});
