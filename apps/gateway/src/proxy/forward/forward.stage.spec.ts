import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { appError, fail, ok, type AgentRoute, type AppError, type Result } from '@switchboard/contracts';
import type { ClientProtocol } from '@switchboard/llm-protocols';
import type { Logger } from '@switchboard/telemetry';
import { MockLlmUpstream, type MockLlmOptions } from '@switchboard/testing';
import { EgressPolicy, UpstreamClient } from '@switchboard/upstream';
import { CallMeter } from '../meter/call.meter.js';
import { fastifyExchange } from '../pipeline/fastify.exchange.js';
import { upstreamUrl, type RouteModel } from '../route/model.resolution.js';
import { CallDeadline } from './call.deadline.js';
import type { CheckedState, CredentialChecks } from './credential-checks.js';
import { ForwardStage, type ForwardCall, type ForwardOutcome } from './forward.stage.js';
import type { GatewayCredential, GatewayCredentialCache } from './gateway-credential.cache.js';

type Json = Record<string, unknown>;

const UPSTREAM_KEY = 'sk-upstream-provider-key-0123456789';
const CLIENT_KEY = 'sb_client_key_never_forwarded';
const SECRET_ID = 'sec_1';
const TENANT_ID = 'ten_1';
const PROVIDER_ID = 'prv_1';
/** The reply the mock generates, and the input tokens it reports for every call. */
const REPLY = 'Hello from the mock upstream.';
const INPUT_TOKENS = 12;
const OUTPUT_TOKENS = 16;

const MODEL: RouteModel = { id: 'mdl_1', name: 'fast', upstreamModel: 'gpt-mock', price: null, createdAt: '2026-01-01T00:00:00.000Z' };

const credentialOf = (apiKey: string): GatewayCredential => ({ tenantId: TENANT_ID, secretId: SECRET_ID, version: 1, kind: 'api_key', upstream: { apiKey } });

/** The cache as the stage uses it: what it was asked to fetch and to drop is kept; `get` answers as told. */
class CredentialsFake {
  readonly cached = new Map<string, GatewayCredential>();
  readonly fetched: string[] = [];
  readonly dropped: string[] = [];

  constructor(private readonly fetchResult: Result<GatewayCredential, AppError> = fail(appError('unavailable', 'no reply from credentials-service'))) {}

  peek(tenantId: string, secretId: string): GatewayCredential | undefined {
    const cached = this.cached.get(secretId);
    return cached?.tenantId === tenantId ? cached : undefined;
  }

  get(tenantId: string, secretId: string): Promise<Result<GatewayCredential, AppError>> {
    this.fetched.push(`${tenantId}/${secretId}`);
    return Promise.resolve(this.fetchResult);
  }

  drop(secretId: string): void {
    this.dropped.push(secretId);
    this.cached.delete(secretId);
  }
}

interface Verdict {
  readonly tenantId: string;
  readonly providerId: string;
  readonly secretId: string | null;
  readonly state: CheckedState;
}

/** Everything the stage runs with: the real upstream client, and fakes of the cache, the credential checks and the logger. */
function stageWith(upstream: UpstreamClient, credentials: CredentialsFake) {
  const verdicts: Verdict[] = [];
  const checks: Pick<CredentialChecks, 'fromProxy'> = {
    fromProxy: (tenantId, providerId, secretId, state) => void verdicts.push({ tenantId, providerId, secretId, state }),
  };
  const lines: Array<{ level: string; message: string; fields: Json | undefined }> = [];
  const logger: Logger = {
    debug: (message, fields) => void lines.push({ level: 'debug', message, fields }),
    info: (message, fields) => void lines.push({ level: 'info', message, fields }),
    warn: (message, fields) => void lines.push({ level: 'warn', message, fields }),
    error: (message, fields) => void lines.push({ level: 'error', message, fields }),
    child: () => logger,
  };
  const stage = new ForwardStage({
    credentials: credentials as unknown as GatewayCredentialCache,
    upstream,
    credentialChecks: checks as unknown as CredentialChecks,
    logger,
  });
  return { stage, verdicts, lines };
}

interface RouteOptions {
  readonly endpoint: string;
  readonly protocol?: 'openai' | 'anthropic_messages';
  readonly authMethod?: 'bearer' | 'x_api_key';
  readonly credentialState?: 'unchecked' | 'valid' | 'rejected';
}

const routeTo = (o: RouteOptions): AgentRoute => ({
  tenantId: TENANT_ID,
  agent: { id: 'agt_1', name: 'bot', model: null, delivery: 'proxy', monthlyBudgetUsd: null },
  provider: {
    id: PROVIDER_ID,
    type: 'custom',
    protocol: o.protocol ?? 'openai',
    endpoint: o.endpoint,
    authMethod: o.authMethod ?? 'bearer',
    organizationId: null,
    defaultModel: null,
    rateLimitRpm: null,
    monthlyBudgetUsd: null,
    secretId: SECRET_ID,
    credentialStatus: { state: o.credentialState ?? 'unchecked', checkedAt: null, detail: null },
  },
  models: [MODEL],
  tenant: { unpricedModels: 'allow', serverHistoryTokens: null, serverToolCallUsd: null },
});

interface CallOptions {
  readonly stream?: boolean;
  readonly stripUsageChunk?: boolean;
  readonly mayFailOver?: boolean;
  readonly credentialState?: RouteOptions['credentialState'];
}

/** A chat completions call to `endpoint` (…/v1), as the handler hands it over: the usage chunk asked for when streamed. */
function chatCall(endpoint: string, o: CallOptions = {}): ForwardCall {
  const stream = o.stream ?? false;
  const body = { model: MODEL.upstreamModel, messages: [{ role: 'user', content: 'Say hello' }], stream, ...(stream ? { stream_options: { include_usage: true } } : {}) };
  return {
    protocol: 'openai_chat',
    route: routeTo({ endpoint, ...(o.credentialState === undefined ? {} : { credentialState: o.credentialState }) }),
    model: MODEL,
    url: upstreamUrl(endpoint, '/chat/completions'),
    payload: JSON.stringify(body),
    stream,
    stripUsageChunk: o.stripUsageChunk ?? false,
    anthropicVersion: null,
    translation: null,
    ...(o.mayFailOver === undefined ? {} : { mayFailOver: o.mayFailOver }),
  };
}

const meterFor = (protocol: ClientProtocol, stream: boolean): CallMeter =>
  new CallMeter({ tenantId: TENANT_ID, agentId: 'agt_1', providerId: PROVIDER_ID, model: MODEL.name, protocol, stream }, 'req_fwd_1');

/** Answered by the test route when the stage returned without writing anything to the client. */
const UNTOUCHED_STATUS = 299;

interface Relayed {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly outcome: ForwardOutcome;
  /** The stage had sent, or begun, an answer to the client by the time it returned. */
  readonly wrote: boolean;
  json(): Json;
}

/**
 * Runs one forward behind a real Fastify route on loopback (the exchange as the gateway adapts a Fastify request), the
 * client calling with its own key; returns what the client got and what the stage returned.
 */
async function forwardOnce(stage: ForwardStage, call: ForwardCall, meter: CallMeter, deadline: CallDeadline): Promise<Relayed> {
  const app = Fastify();
  let outcome: ForwardOutcome | null = null;
  let wrote = false;
  app.post('/', async (request, reply) => {
    const exchange = fastifyExchange(request, reply);
    try {
      outcome = await stage.forward(call, exchange, meter, deadline);
    } finally {
      deadline.settle();
    }
    wrote = exchange.sent || reply.raw.headersSent;
    if (!wrote) exchange.send(UNTOUCHED_STATUS, { 'content-type': 'text/plain' }, 'untouched');
    return reply;
  });
  try {
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const response = await fetch(`${address}/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
      body: call.payload,
    });
    const body = await response.text();
    if (outcome === null) throw new Error('the stage did not return');
    return { status: response.status, headers: Object.fromEntries(response.headers), body, outcome, wrote, json: () => JSON.parse(body) as Json };
  } finally {
    await app.close();
  }
}

/** The data of each SSE event in a relayed body, `[DONE]` included. */
const sseData = (body: string): string[] =>
  body
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => line.slice('data: '.length));

/** A loopback port nothing listens on: it was bound, then let go. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('forward stage', () => {
  // As the gateway builds it, the egress policy letting loopback through (SWITCHBOARD_EGRESS_ALLOW).
  const upstream = new UpstreamClient({ policy: EgressPolicy.fromEnv('127.0.0.1/32') });
  let mock: MockLlmUpstream;
  let endpoint: string;

  const startMock = async (options: Partial<MockLlmOptions> = {}): Promise<void> => {
    mock = await new MockLlmUpstream({ requiredKey: UPSTREAM_KEY, inputTokens: INPUT_TOKENS, outputTokens: OUTPUT_TOKENS, reply: REPLY, ...options }).start();
    endpoint = `${mock.baseUrl}/v1`;
  };
  const cachedKey = (apiKey = UPSTREAM_KEY): CredentialsFake => {
    const credentials = new CredentialsFake();
    credentials.cached.set(SECRET_ID, credentialOf(apiKey));
    return credentials;
  };
  const deadline = (): CallDeadline => new CallDeadline(30_000);

  beforeEach(() => startMock());
  afterEach(() => mock.stop());
  afterAll(() => upstream.close());

  it("relays a whole answer with its status and body, meters it, and sends the provider's key upstream, never the client's", async () => {
    const credentials = cachedKey();
    const { stage, verdicts } = stageWith(upstream, credentials);
    const meter = meterFor('openai_chat', false);
    const call = chatCall(endpoint);

    const relayed = await forwardOnce(stage, call, meter, deadline());

    expect(relayed.outcome).toEqual({ kind: 'answered', opensCircuit: false });
    expect(relayed.status).toBe(200);
    expect(relayed.headers).toMatchObject({ 'content-type': 'application/json', 'x-content-type-options': 'nosniff', 'x-request-id': 'req_fwd_1' });
    expect(relayed.json()).toMatchObject({
      object: 'chat.completion',
      model: MODEL.upstreamModel,
      choices: [{ message: { role: 'assistant', content: REPLY } }],
      usage: { prompt_tokens: INPUT_TOKENS, completion_tokens: OUTPUT_TOKENS },
    });
    expect(meter.ttfbMs).toEqual(expect.any(Number));
    expect(meter.usage).toMatchObject({ inputTokens: INPUT_TOKENS, outputTokens: OUTPUT_TOKENS, cachedTokens: 0 });
    expect(meter.usageComplete).toBe(true);
    expect(meter.accepted).toBe(true);
    expect(meter.errorKind).toBeUndefined();
    expect(meter.responseModel).toBe(MODEL.upstreamModel);

    const calls = mock.calls();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ endpoint: 'chat_completions', status: 200, stream: false, body: JSON.parse(call.payload) as Json });
    expect(calls[0]?.headers['authorization']).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(calls[0]?.headers['accept']).toBe('application/json');
    expect(JSON.stringify(calls[0]?.headers)).not.toContain(CLIENT_KEY);
    // The key was cached: nothing fetched, and an accepted key on a provider not shown rejected is not reported.
    expect(credentials.fetched).toEqual([]);
    expect(verdicts).toEqual([]);
  });

  it("speaks Anthropic's auth to an Anthropic provider: the key as x-api-key, the client's anthropic-version passed on", async () => {
    const { stage } = stageWith(upstream, cachedKey());
    const meter = meterFor('anthropic_messages', false);
    const payload = JSON.stringify({ model: 'claude-mock', max_tokens: 20, messages: [{ role: 'user', content: 'Say hello' }] });
    const call: ForwardCall = {
      protocol: 'anthropic_messages',
      route: routeTo({ endpoint, protocol: 'anthropic_messages', authMethod: 'x_api_key' }),
      model: { ...MODEL, upstreamModel: 'claude-mock' },
      url: upstreamUrl(endpoint, '/messages'),
      payload,
      stream: false,
      stripUsageChunk: false,
      anthropicVersion: '2023-06-01',
      translation: null,
    };

    const relayed = await forwardOnce(stage, call, meter, deadline());

    expect(relayed.status).toBe(200);
    expect(relayed.json()).toMatchObject({ type: 'message', content: [{ type: 'text', text: REPLY }], usage: { output_tokens: 20 } });
    expect(meter.usage).toMatchObject({ inputTokens: INPUT_TOKENS, outputTokens: 20 });
    const seen = mock.calls()[0]?.headers ?? {};
    expect(seen['x-api-key']).toBe(UPSTREAM_KEY);
    expect(seen['anthropic-version']).toBe('2023-06-01');
    expect(seen['authorization']).toBeUndefined();
  });

  it('relays a streamed answer as SSE events as they come, and meters its usage from the stream', async () => {
    const { stage } = stageWith(upstream, cachedKey());
    const meter = meterFor('openai_chat', true);

    const relayed = await forwardOnce(stage, chatCall(endpoint, { stream: true }), meter, deadline());

    expect(relayed.outcome).toEqual({ kind: 'answered', opensCircuit: false });
    expect(relayed.status).toBe(200);
    expect(relayed.headers).toMatchObject({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-request-id': 'req_fwd_1' });
    const data = sseData(relayed.body);
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as { choices: Array<{ delta: { content?: string | null } }>; usage?: Json | null });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe(REPLY);
    // The usage chunk the client asked for is relayed as the upstream sent it.
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: INPUT_TOKENS, completion_tokens: OUTPUT_TOKENS } });
    expect(meter.usage).toMatchObject({ inputTokens: INPUT_TOKENS, outputTokens: OUTPUT_TOKENS });
    expect(meter.usageComplete).toBe(true);
    expect(meter.firstChunkMs).toEqual(expect.any(Number));
    expect(meter.ttfbMs).toEqual(expect.any(Number));
    expect(meter.accepted).toBe(true);
    expect(meter.errorKind).toBeUndefined();
    expect(mock.calls()[0]).toMatchObject({ stream: true, status: 200, headers: { accept: 'text/event-stream', authorization: `Bearer ${UPSTREAM_KEY}` } });
  });

  it('keeps the usage chunk from a client that did not ask for it, and still meters the usage it carried', async () => {
    const { stage } = stageWith(upstream, cachedKey());
    const meter = meterFor('openai_chat', true);

    const relayed = await forwardOnce(stage, chatCall(endpoint, { stream: true, stripUsageChunk: true }), meter, deadline());

    const data = sseData(relayed.body);
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as { choices: unknown[]; usage?: Json | null });
    expect(chunks.map((c) => c.choices.length)).not.toContain(0);
    expect(relayed.body).not.toContain('prompt_tokens');
    expect(meter.usage).toMatchObject({ inputTokens: INPUT_TOKENS, outputTokens: OUTPUT_TOKENS });
  });

  it("fetches a credential that is not cached with the cache's get, and calls the upstream with it", async () => {
    const credentials = new CredentialsFake(ok(credentialOf(UPSTREAM_KEY)));
    const { stage } = stageWith(upstream, credentials);
    const meter = meterFor('openai_chat', false);

    const relayed = await forwardOnce(stage, chatCall(endpoint), meter, deadline());

    expect(credentials.fetched).toEqual([`${TENANT_ID}/${SECRET_ID}`]);
    expect(relayed.status).toBe(200);
    expect(mock.calls().map((c) => c.headers['authorization'])).toEqual([`Bearer ${UPSTREAM_KEY}`]);
  });

  it('answers 503 when the credential cannot be obtained, and sends nothing upstream', async () => {
    const credentials = new CredentialsFake(fail(appError('unavailable', 'credentials-service did not answer')));
    const { stage, lines } = stageWith(upstream, credentials);
    const meter = meterFor('openai_chat', false);

    const relayed = await forwardOnce(stage, chatCall(endpoint), meter, deadline());

    expect(credentials.fetched).toEqual([`${TENANT_ID}/${SECRET_ID}`]);
    expect(relayed.outcome).toEqual({ kind: 'answered', opensCircuit: false });
    expect(relayed.status).toBe(503);
    expect(relayed.headers['retry-after']).toEqual(expect.stringMatching(/^\d+$/));
    expect(relayed.json()).toEqual({
      error: {
        message: "Service Unavailable: the provider's credential could not be obtained; try again",
        type: 'server_error',
        param: null,
        code: 'service_unavailable',
      },
    });
    expect(meter.errorKind).toBe('service_unavailable');
    expect(meter.accepted).toBe(false);
    expect(meter.ttfbMs).toBeNull();
    expect(mock.calls()).toEqual([]);
    expect(lines).toEqual([{ level: 'warn', message: 'provider credential unavailable', fields: { providerId: PROVIDER_ID, code: 'unavailable' } }]);
  });

  it("drops a credential the upstream refuses (401), reports it rejected, and answers the client's 401 without the key", async () => {
    const wrongKey = 'sk-rotated-away-key-9876543210';
    const credentials = cachedKey(wrongKey);
    const { stage, verdicts, lines } = stageWith(upstream, credentials);
    const meter = meterFor('openai_chat', false);

    const relayed = await forwardOnce(stage, chatCall(endpoint, { mayFailOver: true }), meter, deadline());

    // A refused key is the call's own answer: another target would not be tried for it, nor a circuit counted.
    expect(relayed.outcome).toEqual({ kind: 'answered', opensCircuit: false });
    expect(mock.calls()).toMatchObject([{ status: 401, headers: { authorization: `Bearer ${wrongKey}` } }]);
    expect(credentials.dropped).toEqual([SECRET_ID]);
    expect(credentials.peek(TENANT_ID, SECRET_ID)).toBeUndefined();
    expect(verdicts).toEqual([{ tenantId: TENANT_ID, providerId: PROVIDER_ID, secretId: SECRET_ID, state: 'rejected' }]);
    expect(relayed.status).toBe(401);
    expect(relayed.json()).toMatchObject({
      error: { code: 'invalid_api_key', type: 'invalid_request_error', message: `Invalid API Key for provider ${PROVIDER_ID}: the provider rejected its credential` },
    });
    // The upstream's message echoes part of the key: neither it nor any part of it reaches the client or the log.
    expect(relayed.body).not.toContain(wrongKey);
    expect(relayed.body).not.toContain(wrongKey.slice(-4));
    expect(JSON.stringify(lines)).not.toContain(wrongKey.slice(-4));
    expect(meter.errorKind).toBe('invalid_api_key');
    expect(meter.accepted).toBe(false);
  });

  it('tells credential checks the key works again when a provider shown rejected answers', async () => {
    const { stage, verdicts } = stageWith(upstream, cachedKey());
    const relayed = await forwardOnce(stage, chatCall(endpoint, { credentialState: 'rejected' }), meterFor('openai_chat', false), deadline());
    expect(relayed.status).toBe(200);
    expect(verdicts).toEqual([{ tenantId: TENANT_ID, providerId: PROVIDER_ID, secretId: SECRET_ID, state: 'valid' }]);
  });

  it('refuses an answer that is neither JSON nor SSE: the client gets a 502, never its body', async () => {
    const page = '<html><body>internal dashboard</body></html>';
    const seen: Array<string | undefined> = [];
    const server = createServer((req, res) => {
      seen.push(req.headers['authorization']);
      req.resume();
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const htmlEndpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
      const { stage } = stageWith(upstream, cachedKey());
      const meter = meterFor('openai_chat', false);

      const relayed = await forwardOnce(stage, chatCall(htmlEndpoint, { mayFailOver: true }), meter, deadline());

      expect(seen).toEqual([`Bearer ${UPSTREAM_KEY}`]);
      expect(relayed.outcome).toEqual({ kind: 'answered', opensCircuit: false });
      expect(relayed.status).toBe(502);
      expect(relayed.json()).toMatchObject({
        error: {
          code: 'upstream_unavailable',
          message: `Upstream Unavailable: provider ${PROVIDER_ID} answered content type text/html; charset=utf-8, which is not relayed`,
        },
      });
      expect(relayed.body).not.toContain('internal dashboard');
      expect(relayed.body).not.toContain(UPSTREAM_KEY);
      expect(meter.errorKind).toBe('upstream_bad_response');
      expect(meter.accepted).toBe(false);
      expect(meter.usage).toBeNull();
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  // A 503 says the upstream is overloaded and stays a 503; any other failure is a bad gateway.
  it.each([
    [500, 502],
    [503, 503],
  ] as const)('hands an upstream %i back for failover when another target may take the call (its failure a %i), writing nothing', async (status, shown) => {
    mock.configure({ fault: { kind: 'status', status } });
    const { stage } = stageWith(upstream, cachedKey());
    const meter = meterFor('openai_chat', false);

    const relayed = await forwardOnce(stage, chatCall(endpoint, { mayFailOver: true }), meter, deadline());

    expect(relayed.outcome).toMatchObject({
      kind: 'fail_over',
      opensCircuit: true,
      fault: { kind: 'status', status },
      failure: { kind: 'upstream_unavailable', status: shown },
    });
    expect(relayed.wrote).toBe(false);
    expect(relayed.status).toBe(UNTOUCHED_STATUS);
    expect(relayed.body).toBe('untouched');
    expect(mock.calls()).toMatchObject([{ status }]);
    expect(meter.accepted).toBe(false);
    // The failure is left to the handler, which records it on the attempt's meter.
    expect(meter.errorKind).toBeUndefined();
  });

  it('hands a refused connection back for failover, writing nothing', async () => {
    const { stage } = stageWith(upstream, cachedKey());
    const meter = meterFor('openai_chat', false);

    const relayed = await forwardOnce(stage, chatCall(`http://127.0.0.1:${await closedPort()}/v1`, { mayFailOver: true }), meter, deadline());

    expect(relayed.outcome).toMatchObject({ kind: 'fail_over', opensCircuit: true, fault: { kind: 'error', error: 'connect_failed' }, failure: { status: 502 } });
    expect(relayed.wrote).toBe(false);
    expect(relayed.status).toBe(UNTOUCHED_STATUS);
    expect(meter.accepted).toBe(false);
    expect(meter.ttfbMs).toBeNull();
  });

  it("answers a retryable failure itself when no other target remains, the provider's circuit told of it", async () => {
    mock.configure({ fault: { kind: 'status', status: 503, retryAfter: 7 } });
    const { stage } = stageWith(upstream, cachedKey());
    const meter = meterFor('openai_chat', false);

    const relayed = await forwardOnce(stage, chatCall(endpoint, { mayFailOver: false }), meter, deadline());

    expect(relayed.outcome).toEqual({ kind: 'answered', opensCircuit: true });
    expect(relayed.wrote).toBe(true);
    expect(relayed.status).toBe(503);
    expect(relayed.headers['retry-after']).toBe('7');
    expect(relayed.json()).toMatchObject({ error: { code: 'upstream_unavailable', type: 'server_error', message: expect.stringContaining(`provider ${PROVIDER_ID} answered 503`) } });
    expect(relayed.body).not.toContain(UPSTREAM_KEY);
    expect(meter.errorKind).toBe('upstream_unavailable');
    expect(meter.accepted).toBe(false);
  });

  it('answers a refused connection itself when no other target remains', async () => {
    const { stage } = stageWith(upstream, cachedKey());
    const meter = meterFor('openai_chat', false);

    const relayed = await forwardOnce(stage, chatCall(`http://127.0.0.1:${await closedPort()}/v1`), meter, deadline());

    expect(relayed.outcome).toEqual({ kind: 'answered', opensCircuit: true });
    expect(relayed.status).toBe(502);
    expect(relayed.json()).toMatchObject({ error: { code: 'upstream_unavailable', message: expect.stringMatching(/^Upstream Unavailable: /) } });
    expect(relayed.body).not.toContain(UPSTREAM_KEY);
  });

  it('answers a request error that another target would not change (400) as final, even when failover is allowed', async () => {
    mock.configure({ fault: { kind: 'status', status: 400 } });
    const { stage } = stageWith(upstream, cachedKey());
    const meter = meterFor('openai_chat', false);

    const relayed = await forwardOnce(stage, chatCall(endpoint, { mayFailOver: true }), meter, deadline());

    expect(relayed.outcome).toEqual({ kind: 'answered', opensCircuit: false });
    expect(relayed.status).toBe(400);
    expect(relayed.json()).toMatchObject({ error: { type: 'invalid_request_error', message: expect.stringContaining('Mock fault') } });
    expect(meter.errorKind).toBe('bad_request');
  });

  it('answers the timeout when the deadline expires while the upstream works, the call counted as accepted', async () => {
    mock.configure({ latencyMs: 5_000 });
    const { stage } = stageWith(upstream, cachedKey());
    const meter = meterFor('openai_chat', false);
    const started = Date.now();

    const relayed = await forwardOnce(stage, chatCall(endpoint), meter, new CallDeadline(300));

    expect(Date.now() - started).toBeLessThan(4_000);
    expect(relayed.outcome).toEqual({ kind: 'answered', opensCircuit: true });
    expect(relayed.status).toBe(504);
    expect(relayed.json()).toMatchObject({
      error: { code: 'upstream_timeout', type: 'server_error', message: `Upstream Timeout: ${mock.baseUrl} did not finish within 300 ms` },
    });
    // The upstream had the request and may have generated (and billed) the answer: its usage is to be estimated.
    expect(mock.calls()).toMatchObject([{ status: null }]);
    expect(meter.accepted).toBe(true);
    expect(meter.needsEstimate).toBe(true);
    expect(meter.errorKind).toBe('upstream_timeout');
    expect(meter.ttfbMs).toBeNull();
  });

  it('ends a stream cut by the deadline with an error event, keeping what was relayed and metered', async () => {
    mock.configure({ interChunkDelayMs: 2_000 });
    const { stage } = stageWith(upstream, cachedKey());
    const meter = meterFor('openai_chat', true);

    const relayed = await forwardOnce(stage, chatCall(endpoint, { stream: true }), meter, new CallDeadline(500));

    expect(relayed.outcome).toEqual({ kind: 'answered', opensCircuit: false });
    expect(relayed.status).toBe(200);
    const data = sseData(relayed.body);
    expect(data).not.toContain('[DONE]');
    const last = JSON.parse(data.at(-1) ?? '{}') as Json;
    expect(last).toMatchObject({ error: { code: 'upstream_timeout' } });
    expect(relayed.body).toContain(`"content":"${REPLY.slice(0, 3)}`);
    expect(meter.errorKind).toBe('upstream_timeout');
    expect(meter.accepted).toBe(true);
    expect(meter.usageComplete).toBe(false);
    expect(meter.needsEstimate).toBe(true);
  });
});
