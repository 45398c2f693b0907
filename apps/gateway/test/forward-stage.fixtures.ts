// What the forward stage's specs share: the stage over the real upstream client with fakes of its other collaborators,
// a call as the handler hands it over, and one forward run behind a real Fastify route on loopback.
import Fastify from 'fastify';
import { appError, fail, type AgentRoute, type AppError, type Result } from '@switchboard/contracts';
import type { ClientProtocol } from '@switchboard/llm-protocols';
import type { Logger } from '@switchboard/telemetry';
import { MockLlmUpstream } from '@switchboard/testing';
import { EgressPolicy, UpstreamClient } from '@switchboard/upstream';
import { CallMeter } from '../src/proxy/meter/call.meter.js';
import { fastifyExchange } from '../src/proxy/pipeline/fastify.exchange.js';
import { upstreamUrl, type RouteModel } from '../src/proxy/route/model.resolution.js';
import { CallDeadline } from '../src/proxy/forward/call.deadline.js';
import type { CheckedState, CredentialChecks } from '../src/proxy/forward/credential-checks.js';
import { ForwardStage, type ForwardCall, type ForwardOutcome } from '../src/proxy/forward/forward.stage.js';
import type { GatewayCredential, GatewayCredentialCache } from '../src/proxy/forward/gateway-credential.cache.js';

export type Json = Record<string, unknown>;

export const UPSTREAM_KEY = 'sk-upstream-provider-key-0123456789';
export const CLIENT_KEY = 'sb_client_key_never_forwarded';
export const SECRET_ID = 'sec_1';
export const TENANT_ID = 'ten_1';
export const PROVIDER_ID = 'prv_1';
/** The reply the mock generates, and the input tokens it reports for every call. */
export const REPLY = 'Hello from the mock upstream.';
export const INPUT_TOKENS = 12;
export const OUTPUT_TOKENS = 16;

export const MODEL: RouteModel = { id: 'mdl_1', name: 'fast', upstreamModel: 'gpt-mock', price: null, createdAt: '2026-01-01T00:00:00.000Z' };

export const credentialOf = (apiKey: string): GatewayCredential => ({ tenantId: TENANT_ID, secretId: SECRET_ID, version: 1, kind: 'api_key', upstream: { apiKey } });

/** The cache as the stage uses it: what it was asked to fetch and to drop is kept; `get` answers as told. */
export class CredentialsFake {
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
export function stageWith(upstream: UpstreamClient, credentials: CredentialsFake) {
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

export const routeTo = (o: RouteOptions): AgentRoute => ({
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
export function chatCall(endpoint: string, o: CallOptions = {}): ForwardCall {
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

export const meterFor = (protocol: ClientProtocol, stream: boolean): CallMeter =>
  new CallMeter({ tenantId: TENANT_ID, agentId: 'agt_1', providerId: PROVIDER_ID, model: MODEL.name, protocol, stream }, 'req_fwd_1');

/** Answered by the test route when the stage returned without writing anything to the client. */
export const UNTOUCHED_STATUS = 299;

export interface Relayed {
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
export async function forwardOnce(stage: ForwardStage, call: ForwardCall, meter: CallMeter, deadline: CallDeadline): Promise<Relayed> {
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
export const sseData = (body: string): string[] =>
  body
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => line.slice('data: '.length));

/**
 * What each forward spec runs against, set up and torn down around every test: the upstream client as the gateway
 * builds it (its egress policy letting loopback through, SWITCHBOARD_EGRESS_ALLOW), and a fresh mock upstream requiring
 * the provider's key, with the provider endpoint (…/v1) that reaches it.
 */
export function mockedUpstream(): { readonly client: UpstreamClient; readonly mock: MockLlmUpstream; readonly endpoint: string } {
  const client = new UpstreamClient({ policy: EgressPolicy.fromEnv('127.0.0.1/32') });
  let mock: MockLlmUpstream | null = null;
  beforeEach(async () => {
    mock = await new MockLlmUpstream({ requiredKey: UPSTREAM_KEY, inputTokens: INPUT_TOKENS, outputTokens: OUTPUT_TOKENS, reply: REPLY }).start();
  });
  afterEach(() => mock?.stop());
  afterAll(() => client.close());
  const started = (): MockLlmUpstream => {
    if (mock === null) throw new Error('the mock upstream starts before each test');
    return mock;
  };
  return {
    client,
    get mock() {
      return started();
    },
    get endpoint() {
      return `${started().baseUrl}/v1`;
    },
  };
}

/** A cache holding the provider's key (or the one given). */
export function cachedKey(apiKey = UPSTREAM_KEY): CredentialsFake {
  const credentials = new CredentialsFake();
  credentials.cached.set(SECRET_ID, credentialOf(apiKey));
  return credentials;
}

/** A deadline no test reaches. */
export const deadline = (): CallDeadline => new CallDeadline(30_000);
