import fc from 'fast-check';
import type { z } from 'zod';
import {
  CreateAgentBody,
  CreateKeyBody,
  CreateModelBody,
  CreateProviderBody,
  CreateRecipientBody,
  CreateSecretBody,
  CreateTenantBody,
  CreateWebhookBody,
  PutAlertSettingsBody,
  PutTenantQuotasBody,
  RotateSecretBody,
  StartAgentBody,
  UpdateAgentBody,
  UpdateProviderBody,
  UpdateTenantSettingsBody,
} from '@switchboard/contracts';
import {
  asciiString,
  badAuthorization,
  badIfMatch,
  badValue,
  bogusPathId,
  foreignContentType,
  malformedJson,
  mutatedBody,
  randomQuery,
  unknownId,
} from './fuzz.arbitraries.js';
import { x25519PublicKey, type FuzzStack } from './fuzz.fixture.js';

type Json = Record<string, unknown>;

/** How an error answer must look: management `{error:{code,message}}`, or the proxy client protocol's own shape. */
export type Dialect = 'management' | 'openai' | 'anthropic';

export interface FuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: unknown;
  readonly rawBody?: string;
}

export interface FuzzCase {
  /** `METHOD /template`, the unit the summary counts by. */
  readonly route: string;
  /** What is fuzzed: body-json, body-mutated, body-malformed, content-type, path-id, query, if-match, auth. */
  readonly input: string;
  readonly arbitrary: fc.Arbitrary<FuzzRequest>;
  readonly dialect: (request: FuzzRequest) => Dialect;
  /** A read that may well answer 200 (random query strings on a GET). */
  readonly mayAnswerOk?: boolean;
  /** Only these statuses are right (e.g. 401 for a bad key). */
  readonly statuses?: readonly number[];
}

type IdKind = 'tenant' | 'provider' | 'model' | 'agent' | 'secret' | 'key' | 'webhook';
const PREFIX: Record<IdKind, string> = { tenant: 'ten', provider: 'prv', model: 'mdl', agent: 'agt', secret: 'sec', key: 'key', webhook: 'whk' };
/** `?limit&cursor` of every list route (API.md, "Lists"). */
const PAGE = ['limit', 'cursor'] as const;

interface ManagementRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** With `:id` where the path takes one. */
  readonly template: string;
  readonly id?: IdKind;
  readonly by: 'operator' | 'admin';
  readonly schema?: z.ZodType;
  readonly valid?: Json;
  /** The resource whose version an If-Match on this route is checked against. */
  readonly versionOf?: string;
  /** Even a bodiless call on the real id changes something (reveal is audited, discovery records models…): fuzz other ids only. */
  readonly actsOnCall?: boolean;
  readonly queryKeys?: readonly string[];
}

function managementRoutes(fx: FuzzStack): ManagementRoute[] {
  const a = fx.a;
  return [
    { method: 'POST', template: '/v1/tenants', by: 'operator', schema: CreateTenantBody, valid: { name: 'fuzzed' } },
    { method: 'GET', template: '/v1/tenants/:id/quotas', id: 'tenant', by: 'operator' },
    { method: 'PUT', template: '/v1/tenants/:id/quotas', id: 'tenant', by: 'operator', schema: PutTenantQuotasBody, valid: { agents: 50 } },
    { method: 'POST', template: '/v1/keys', by: 'admin', schema: CreateKeyBody, valid: { name: 'k', role: 'member' } },
    { method: 'GET', template: '/v1/keys', by: 'admin', queryKeys: PAGE },
    { method: 'DELETE', template: '/v1/keys/:id', id: 'key', by: 'admin', actsOnCall: true },
    { method: 'POST', template: '/v1/secrets', by: 'admin', schema: CreateSecretBody, valid: { name: 's2', value: 'v-123' } },
    { method: 'GET', template: '/v1/secrets', by: 'admin', queryKeys: PAGE },
    { method: 'GET', template: '/v1/secrets/:id', id: 'secret', by: 'admin' },
    { method: 'PUT', template: '/v1/secrets/:id', id: 'secret', by: 'admin', schema: RotateSecretBody, valid: { value: 'v-456' }, versionOf: `/v1/secrets/${a.secretId}` },
    { method: 'DELETE', template: '/v1/secrets/:id', id: 'secret', by: 'admin', versionOf: `/v1/secrets/${a.secretId}` },
    { method: 'POST', template: '/v1/secrets/:id/reveal', id: 'secret', by: 'admin', actsOnCall: true },
    { method: 'POST', template: '/v1/providers', by: 'admin', schema: CreateProviderBody, valid: { name: 'p2', type: 'openai' } },
    { method: 'GET', template: '/v1/providers', by: 'admin', queryKeys: PAGE },
    { method: 'GET', template: '/v1/providers/:id', id: 'provider', by: 'admin' },
    { method: 'PATCH', template: '/v1/providers/:id', id: 'provider', by: 'admin', schema: UpdateProviderBody, valid: { name: 'renamed' }, versionOf: `/v1/providers/${a.providerId}` },
    { method: 'DELETE', template: '/v1/providers/:id', id: 'provider', by: 'admin', versionOf: `/v1/providers/${a.providerId}` },
    { method: 'GET', template: '/v1/providers/:id/history', id: 'provider', by: 'admin', queryKeys: PAGE },
    { method: 'POST', template: '/v1/providers/:id/models:discover', id: 'provider', by: 'admin', actsOnCall: true },
    { method: 'GET', template: '/v1/providers/:id/models', id: 'provider', by: 'admin', queryKeys: PAGE },
    { method: 'POST', template: '/v1/providers/:id/models', id: 'provider', by: 'admin', schema: CreateModelBody, valid: { name: 'm2' } },
    { method: 'GET', template: '/v1/providers/:id/budget', id: 'provider', by: 'admin' },
    { method: 'DELETE', template: '/v1/models/:id', id: 'model', by: 'admin', actsOnCall: true },
    { method: 'POST', template: '/v1/models/:id/test', id: 'model', by: 'admin', actsOnCall: true },
    { method: 'POST', template: '/v1/agents', by: 'admin', schema: CreateAgentBody, valid: { name: 'a2', providerId: a.providerId } },
    { method: 'GET', template: '/v1/agents', by: 'admin', queryKeys: PAGE },
    { method: 'GET', template: '/v1/agents/:id', id: 'agent', by: 'admin' },
    { method: 'PATCH', template: '/v1/agents/:id', id: 'agent', by: 'admin', schema: UpdateAgentBody, valid: { name: 'renamed' }, versionOf: `/v1/agents/${a.agentId}` },
    { method: 'DELETE', template: '/v1/agents/:id', id: 'agent', by: 'admin', versionOf: `/v1/agents/${a.agentId}` },
    { method: 'POST', template: '/v1/agents/:id/start', id: 'agent', by: 'admin', schema: StartAgentBody, valid: { recipientId: a.recipientId } },
    { method: 'POST', template: '/v1/agents/:id/stop', id: 'agent', by: 'admin', actsOnCall: true },
    { method: 'GET', template: '/v1/agents/:id/stats', id: 'agent', by: 'admin' },
    { method: 'GET', template: '/v1/agents/:id/budget', id: 'agent', by: 'admin' },
    { method: 'POST', template: '/v1/recipients', by: 'admin', schema: CreateRecipientBody, valid: { name: 'r2', publicKey: x25519PublicKey() } },
    { method: 'GET', template: '/v1/recipients', by: 'admin', queryKeys: PAGE },
    { method: 'GET', template: '/v1/settings', by: 'admin' },
    { method: 'PATCH', template: '/v1/settings', by: 'admin', schema: UpdateTenantSettingsBody, valid: { unpricedModels: 'refuse' }, versionOf: '/v1/settings' },
    { method: 'GET', template: '/v1/usage', by: 'admin', queryKeys: ['from', 'to', 'groupBy'] },
    { method: 'GET', template: '/v1/alerts', by: 'admin', queryKeys: ['since', 'kind', ...PAGE] },
    { method: 'GET', template: '/v1/alerts/settings', by: 'admin' },
    { method: 'PUT', template: '/v1/alerts/settings', by: 'admin', schema: PutAlertSettingsBody, valid: { errorRatePct: 50 }, versionOf: '/v1/alerts/settings' },
    { method: 'POST', template: '/v1/webhooks', by: 'admin', schema: CreateWebhookBody, valid: { url: 'https://hooks.example.com/sb', events: ['alert.raised'] } },
    { method: 'GET', template: '/v1/webhooks', by: 'admin', queryKeys: PAGE },
    { method: 'GET', template: '/v1/webhooks/:id', id: 'webhook', by: 'admin' },
    { method: 'DELETE', template: '/v1/webhooks/:id', id: 'webhook', by: 'admin', actsOnCall: true },
    { method: 'GET', template: '/v1/webhooks/:id/deliveries', id: 'webhook', by: 'admin', queryKeys: PAGE },
  ];
}

/** A schema's own field names, so mutations hit real fields as well as unknown ones. */
function fieldsOf(schema: z.ZodType): string[] {
  const shape = (schema as unknown as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape) : [];
}

const refused = (schema: z.ZodType) => (body: unknown) => !schema.safeParse(body).success;
const management = (): Dialect => 'management';

function managementCases(fx: FuzzStack): FuzzCase[] {
  const a = fx.a;
  const realIds: Record<IdKind, string> = {
    tenant: a.id,
    provider: a.providerId,
    model: a.modelId,
    agent: a.agentId,
    secret: a.secretId,
    key: a.keyId,
    webhook: a.webhookId,
  };
  const allIds = [fx.a, fx.b].flatMap((t) => [t.id, t.providerId, t.modelId, t.agentId, t.secretId, t.keyId, t.recipientId, t.webhookId]);
  const cases: FuzzCase[] = [];
  for (const r of managementRoutes(fx)) {
    const route = `${r.method} ${r.template}`;
    const key = r.by === 'operator' ? fx.stack.operatorKey : a.adminKey;
    const auth = { authorization: `Bearer ${key}` };
    const pathWith = (id: string) => r.template.replace(':id', id);
    const realPath = r.id ? pathWith(realIds[r.id]) : r.template;
    const request = (over: Partial<FuzzRequest>): FuzzRequest => ({ method: r.method, path: realPath, headers: auth, ...over });
    const add = (input: string, arbitrary: fc.Arbitrary<FuzzRequest>, extra: Partial<FuzzCase> = {}) =>
      cases.push({ route, input, arbitrary, dialect: management, ...extra });

    if (r.schema && r.valid) {
      const isRefused = refused(r.schema);
      add('body-json', fc.jsonValue({ maxDepth: 4 }).filter(isRefused).map((body) => request({ body })));
      add('body-mutated', mutatedBody(r.valid, fieldsOf(r.schema)).filter(isRefused).map((body) => request({ body })));
      add('body-malformed', malformedJson(r.valid).map((rawBody) => request({ rawBody, headers: { ...auth, 'content-type': 'application/json' } })));
      const text = JSON.stringify(r.valid);
      add('content-type', foreignContentType.map((type) => request({ rawBody: text, headers: { ...auth, 'content-type': type } })));
    }
    if (r.id) {
      const body = r.valid;
      add('path-id', bogusPathId(PREFIX[r.id], allIds).map((id) => request({ path: pathWith(id), body })));
    }
    if (r.method === 'GET') {
      add('query', randomQuery(r.queryKeys ?? []).map((q) => request({ path: `${realPath}?${q}` })), { mayAnswerOk: true });
    }
    if (r.versionOf) {
      const version = a.versions[r.versionOf];
      add('if-match', badIfMatch(version).map((ifMatch) => request({ body: r.valid, headers: { ...auth, 'if-match': ifMatch } })), { statuses: [400, 409, 412] });
    }
    if (!r.actsOnCall || r.id) {
      const path = r.actsOnCall && r.id ? unknownId(PREFIX[r.id]).map(pathWith) : fc.constant(realPath);
      add(
        'auth',
        fc.tuple(path, badAuthorization([a.adminKey, fx.stack.operatorKey])).map(([p, authorization]) => request({ path: p, body: r.valid, headers: { authorization } })),
        { statuses: [401] },
      );
    }
  }
  return cases;
}

interface ProxyRoute {
  readonly path: string;
  readonly dialect: Dialect;
  readonly valid: Json;
  /** The output bound fields, the first one set is the one that counts. */
  readonly maxTokens: readonly string[];
  readonly maxTokensRequired: boolean;
  readonly streamOptions: boolean;
}

const PROXY_ROUTES: readonly ProxyRoute[] = [
  {
    path: '/v1/chat/completions',
    dialect: 'openai',
    valid: { model: 'fast', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 },
    maxTokens: ['max_completion_tokens', 'max_tokens'],
    maxTokensRequired: false,
    streamOptions: true,
  },
  { path: '/v1/responses', dialect: 'openai', valid: { model: 'fast', input: 'hi', max_output_tokens: 8 }, maxTokens: ['max_output_tokens'], maxTokensRequired: false, streamOptions: false },
  {
    path: '/v1/messages',
    dialect: 'anthropic',
    valid: { model: 'fast', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] },
    maxTokens: ['max_tokens'],
    maxTokensRequired: true,
    streamOptions: false,
  },
];

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Bodies the proxy must refuse before anything goes upstream or is metered (DESIGN.md, the proxy's request checks):
 * not an object; `model` missing, not a string, blank or over 256 characters; `stream` not a boolean; the output bound
 * not a positive integer, or missing where the protocol requires it; `stream_options` not an object.
 */
function proxyRefuses(r: ProxyRoute, body: unknown): boolean {
  if (!isObject(body)) return true;
  const model = body['model'];
  if (typeof model !== 'string' || model.trim() === '' || model.length > 256) return true;
  const stream = body['stream'];
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean') return true;
  const bound = r.maxTokens.map((f) => body[f]).find((v) => v !== undefined && v !== null);
  if (bound === undefined ? r.maxTokensRequired : typeof bound !== 'number' || !Number.isSafeInteger(bound) || bound < 1) return true;
  if (r.streamOptions) {
    const options = body['stream_options'];
    if (options !== undefined && options !== null && !isObject(options)) return true;
    const include = isObject(options) ? options['include_usage'] : undefined;
    if (include !== undefined && include !== null && typeof include !== 'boolean') return true;
  }
  return false;
}

function proxyCases(fx: FuzzStack): FuzzCase[] {
  const a = fx.a;
  const agentAuth = { authorization: `Bearer ${a.agentKey}` };
  const cases: FuzzCase[] = [];
  for (const r of PROXY_ROUTES) {
    const route = `POST ${r.path}`;
    const dialect = () => r.dialect;
    const request = (over: Partial<FuzzRequest>): FuzzRequest => ({ method: 'POST', path: r.path, headers: agentAuth, ...over });
    const isRefused = (body: unknown) => proxyRefuses(r, body);
    const fields = ['model', 'stream', 'messages', 'input', 'stream_options', ...r.maxTokens];
    cases.push(
      { route, input: 'body-json', dialect, arbitrary: fc.jsonValue({ maxDepth: 4 }).filter(isRefused).map((body) => request({ body })) },
      { route, input: 'body-mutated', dialect, arbitrary: mutatedBody(r.valid, fields).filter(isRefused).map((body) => request({ body })) },
      {
        route,
        input: 'body-malformed',
        dialect,
        arbitrary: malformedJson(r.valid).map((rawBody) => request({ rawBody, headers: { ...agentAuth, 'content-type': 'application/json' } })),
      },
      {
        route,
        input: 'content-type',
        dialect,
        arbitrary: foreignContentType.map((type) => request({ rawBody: JSON.stringify(r.valid), headers: { ...agentAuth, 'content-type': type } })),
      },
      {
        route,
        input: 'auth',
        dialect,
        statuses: [401],
        arbitrary: fc
          .tuple(badAuthorization([a.agentKey, a.adminKey]), fc.boolean())
          .map(([authorization, asApiKey]) => request({ body: r.valid, headers: asApiKey ? { 'x-api-key': authorization.replace(/^Bearer /, '') } : { authorization } })),
      },
      {
        route,
        input: 'agent-header',
        dialect,
        statuses: [400, 403, 404],
        arbitrary: fc
          .oneof(asciiString(40), unknownId('agt'), fc.constantFrom(fx.b.agentId, fx.b.providerId, a.providerId, ` ${fx.b.agentId} `))
          .map((agent) => request({ body: r.valid, headers: { authorization: `Bearer ${a.adminKey}`, 'x-switchboard-agent': agent } })),
      },
      {
        route,
        input: 'body-bad-field',
        dialect,
        arbitrary: fc
          .tuple(fc.constantFrom('model', 'stream', ...r.maxTokens, ...(r.streamOptions ? ['stream_options'] : [])), badValue)
          .map(([field, value]) => ({ ...r.valid, [field]: value }))
          .filter(isRefused)
          .map((body) => request({ body })),
      },
    );
  }
  const modelsDialect = (req: FuzzRequest): Dialect => ('anthropic-version' in req.headers ? 'anthropic' : 'openai');
  const version = fc.option(asciiString(30), { nil: undefined });
  cases.push(
    {
      route: 'GET /v1/models',
      input: 'auth',
      dialect: modelsDialect,
      statuses: [401],
      arbitrary: fc
        .tuple(badAuthorization([a.agentKey, a.adminKey]), version)
        .map(([authorization, v]) => ({ method: 'GET', path: '/v1/models', headers: { authorization, ...(v === undefined ? {} : { 'anthropic-version': v }) } })),
    },
    {
      route: 'GET /v1/models',
      input: 'query',
      dialect: modelsDialect,
      mayAnswerOk: true,
      arbitrary: fc
        .tuple(randomQuery(['limit', 'after_id', 'before_id']), version)
        .map(([q, v]) => ({ method: 'GET', path: `/v1/models?${q}`, headers: { ...agentAuth, ...(v === undefined ? {} : { 'anthropic-version': v }) } })),
    },
    {
      route: 'GET /v1/models',
      input: 'agent-header',
      dialect: modelsDialect,
      statuses: [400, 403, 404],
      arbitrary: fc
        .oneof(asciiString(40), unknownId('agt'), fc.constant(fx.b.agentId))
        .map((agent) => ({ method: 'GET', path: '/v1/models', headers: { authorization: `Bearer ${a.adminKey}`, 'x-switchboard-agent': agent } })),
    },
  );
  return cases;
}

export function fuzzCases(fx: FuzzStack): FuzzCase[] {
  return [...managementCases(fx), ...proxyCases(fx)];
}
