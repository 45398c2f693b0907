import { ApiClient, eventually, readStreamMessages } from '@switchboard/testing';
import { startFuzzStack, x25519PublicKey, type FuzzStack, type SeededTenant } from '../fuzz/fuzz.fixture.js';

type Json = Record<string, unknown>;
type IdKind = 'tenant' | 'provider' | 'model' | 'agent' | 'secret' | 'key' | 'webhook';
type Access = 'operator' | 'read' | 'write' | 'admin';

const UNKNOWN: Record<IdKind, string> = {
  tenant: 'ten_00000000000000000000',
  provider: 'prv_00000000000000000000',
  model: 'mdl_00000000000000000000',
  agent: 'agt_00000000000000000000',
  secret: 'sec_00000000000000000000',
  key: 'key_00000000000000000000',
  webhook: 'whk_00000000000000000000',
};
const idOf = (t: SeededTenant, kind: IdKind): string =>
  ({ tenant: t.id, provider: t.providerId, model: t.modelId, agent: t.agentId, secret: t.secretId, key: t.keyId, webhook: t.webhookId })[kind];

interface MatrixRoute {
  readonly method: string;
  readonly template: string;
  readonly id?: IdKind;
  readonly access: Access;
  /** A body that would be accepted, built from the tenant whose resources the call is about. */
  readonly body?: (t: SeededTenant) => Json;
}

/** Every management route (API.md and the controllers), with the access each needs. */
const ROUTES: readonly MatrixRoute[] = [
  { method: 'POST', template: '/v1/tenants', access: 'operator', body: () => ({ name: 'intruder' }) },
  { method: 'GET', template: '/v1/tenants/:id/quotas', id: 'tenant', access: 'operator' },
  { method: 'PUT', template: '/v1/tenants/:id/quotas', id: 'tenant', access: 'operator', body: () => ({ providers: 100000 }) },
  { method: 'POST', template: '/v1/keys', access: 'write', body: () => ({ name: 'k', role: 'member' }) },
  { method: 'GET', template: '/v1/keys', access: 'read' },
  { method: 'DELETE', template: '/v1/keys/:id', id: 'key', access: 'write' },
  { method: 'POST', template: '/v1/secrets', access: 'write', body: () => ({ name: 'stolen', value: 'v-1234' }) },
  { method: 'GET', template: '/v1/secrets', access: 'read' },
  { method: 'GET', template: '/v1/secrets/:id', id: 'secret', access: 'read' },
  { method: 'PUT', template: '/v1/secrets/:id', id: 'secret', access: 'write', body: () => ({ value: 'v-5678' }) },
  { method: 'DELETE', template: '/v1/secrets/:id', id: 'secret', access: 'write' },
  { method: 'POST', template: '/v1/secrets/:id/reveal', id: 'secret', access: 'admin' },
  { method: 'POST', template: '/v1/providers', access: 'write', body: () => ({ name: 'p2', type: 'openai' }) },
  { method: 'GET', template: '/v1/providers', access: 'read' },
  { method: 'GET', template: '/v1/providers/:id', id: 'provider', access: 'read' },
  { method: 'PATCH', template: '/v1/providers/:id', id: 'provider', access: 'write', body: () => ({ name: 'stolen' }) },
  { method: 'DELETE', template: '/v1/providers/:id', id: 'provider', access: 'write' },
  { method: 'GET', template: '/v1/providers/:id/history', id: 'provider', access: 'read' },
  { method: 'POST', template: '/v1/providers/:id/models:discover', id: 'provider', access: 'admin' },
  { method: 'GET', template: '/v1/providers/:id/models', id: 'provider', access: 'read' },
  { method: 'POST', template: '/v1/providers/:id/models', id: 'provider', access: 'write', body: () => ({ name: 'm2' }) },
  { method: 'GET', template: '/v1/providers/:id/budget', id: 'provider', access: 'read' },
  { method: 'DELETE', template: '/v1/models/:id', id: 'model', access: 'write' },
  { method: 'POST', template: '/v1/models/:id/test', id: 'model', access: 'admin' },
  { method: 'POST', template: '/v1/agents', access: 'write', body: (t) => ({ name: 'a2', providerId: t.providerId }) },
  { method: 'GET', template: '/v1/agents', access: 'read' },
  { method: 'GET', template: '/v1/agents/:id', id: 'agent', access: 'read' },
  { method: 'PATCH', template: '/v1/agents/:id', id: 'agent', access: 'write', body: () => ({ name: 'stolen' }) },
  { method: 'DELETE', template: '/v1/agents/:id', id: 'agent', access: 'write' },
  { method: 'POST', template: '/v1/agents/:id/start', id: 'agent', access: 'write', body: (t) => ({ recipientId: t.recipientId }) },
  { method: 'POST', template: '/v1/agents/:id/stop', id: 'agent', access: 'write' },
  { method: 'GET', template: '/v1/agents/:id/stats', id: 'agent', access: 'read' },
  { method: 'GET', template: '/v1/agents/:id/budget', id: 'agent', access: 'read' },
  { method: 'POST', template: '/v1/recipients', access: 'write', body: () => ({ name: 'r2', publicKey: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' }) },
  { method: 'GET', template: '/v1/recipients', access: 'read' },
  { method: 'GET', template: '/v1/settings', access: 'read' },
  { method: 'PATCH', template: '/v1/settings', access: 'admin', body: () => ({ unpricedModels: 'refuse' }) },
  { method: 'GET', template: '/v1/usage?groupBy=provider', access: 'read' },
  { method: 'GET', template: '/v1/alerts', access: 'read' },
  { method: 'GET', template: '/v1/alerts/settings', access: 'read' },
  { method: 'PUT', template: '/v1/alerts/settings', access: 'write', body: () => ({ errorRatePct: 50 }) },
  { method: 'POST', template: '/v1/webhooks', access: 'write', body: () => ({ url: 'http://127.0.0.1:9/stolen', events: ['budget.restored'] }) },
  { method: 'GET', template: '/v1/webhooks', access: 'read' },
  { method: 'GET', template: '/v1/webhooks/:id', id: 'webhook', access: 'read' },
  { method: 'GET', template: '/v1/webhooks/:id/deliveries', id: 'webhook', access: 'read' },
  { method: 'DELETE', template: '/v1/webhooks/:id', id: 'webhook', access: 'write' },
];

/** Calls naming another tenant's resource in the body, made by tenant B's admin on B's own resources. */
const BODY_REFERENCES: readonly { readonly method: string; readonly path: (b: SeededTenant) => string; readonly body: (ref: string) => Json; readonly ref: IdKind }[] = [
  { method: 'POST', path: () => '/v1/agents', body: (ref) => ({ name: 'x', providerId: ref }), ref: 'provider' },
  { method: 'PATCH', path: (b) => `/v1/agents/${b.agentId}`, body: (ref) => ({ providerId: ref }), ref: 'provider' },
  { method: 'POST', path: () => '/v1/keys', body: (ref) => ({ name: 'x', role: 'agent', agentId: ref }), ref: 'agent' },
  { method: 'POST', path: () => '/v1/providers', body: (ref) => ({ name: 'x', type: 'openai', secretId: ref }), ref: 'secret' },
];

interface Cell {
  readonly route: string;
  readonly caller: string;
  readonly expected: readonly number[];
  readonly actual: number;
  readonly note: string;
}

describe('tenant isolation and roles, route by route', () => {
  let fx: FuzzStack;
  const cells: Cell[] = [];

  beforeAll(async () => {
    fx = await startFuzzStack();
  }, 90_000);

  afterAll(async () => {
    if (cells.length > 0) process.stdout.write(`${printMatrix(cells)}\n`);
    await fx?.stop();
  });

  async function call(client: ApiClient, method: string, path: string, body?: Json, headers?: Record<string, string>) {
    return client.request<Json>(method, path, { body, headers });
  }

  const errorCode = (body: unknown): string | null => {
    const error = (body as { error?: { code?: unknown } } | null)?.error;
    return typeof error?.code === 'string' ? error.code : null;
  };

  it("answers 404 to tenant B's admin for every one of tenant A's ids, exactly as for an id that does not exist", async () => {
    const before = await fx.probe.settle();
    const { a, b } = fx;
    const mine: Cell[] = [];
    for (const r of ROUTES.filter((x) => x.id)) {
      const kind = r.id as IdKind;
      const route = `${r.method} ${r.template}`;
      const foreign = await call(b.admin, r.method, r.template.replace(':id', idOf(a, kind)), r.body?.(b));
      const unknown = await call(b.admin, r.method, r.template.replace(':id', UNKNOWN[kind]), r.body?.(b));
      const same = foreign.status === unknown.status && errorCode(foreign.body) === errorCode(unknown.body);
      // The operator's routes on a tenant refuse every tenant key before looking at the id.
      const expected = r.access === 'operator' ? [403] : [404];
      mine.push({ route, caller: "admin B, A's id", expected, actual: foreign.status, note: same ? errorCode(foreign.body) ?? '' : `differs from an unknown id: ${unknown.status} ${unknown.text}` });
      if (!same) mine.push({ route, caller: 'admin B, unknown id', expected: [foreign.status], actual: unknown.status, note: 'must match the answer for A’s id' });
    }
    for (const ref of BODY_REFERENCES) {
      const refId = idOf(a, ref.ref);
      const unknownRef = UNKNOWN[ref.ref];
      const route = `${ref.method} ${ref.path(b).replace(b.agentId, ':id')} {${ref.ref}Id}`;
      const foreign = await call(b.admin, ref.method, ref.path(b), ref.body(refId));
      const unknown = await call(b.admin, ref.method, ref.path(b), ref.body(unknownRef));
      const same = foreign.status === unknown.status && errorCode(foreign.body) === errorCode(unknown.body);
      mine.push({
        route,
        caller: "admin B, A's id in the body",
        expected: [400, 404],
        actual: foreign.status,
        note: same ? errorCode(foreign.body) ?? '' : `differs from an unknown id: ${unknown.status} ${unknown.text}`,
      });
      if (!same) mine.push({ route, caller: 'admin B, unknown id in the body', expected: [foreign.status], actual: unknown.status, note: 'must match the answer for A’s id' });
    }
    // The proxy: an admin key names the agent in x-switchboard-agent; another tenant's agent is as unknown as a made-up one.
    const chat = { model: 'fast', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 };
    const foreign = await call(b.admin, 'POST', '/v1/chat/completions', chat, { 'x-switchboard-agent': a.agentId });
    const unknown = await call(b.admin, 'POST', '/v1/chat/completions', chat, { 'x-switchboard-agent': UNKNOWN.agent });
    mine.push({
      route: 'POST /v1/chat/completions',
      caller: "admin B, x-switchboard-agent: A's agent",
      expected: [403, 404],
      actual: foreign.status,
      note: foreign.text === unknown.text.replace(UNKNOWN.agent, a.agentId) ? 'same answer as an unknown agent' : `differs: ${foreign.text} vs ${unknown.text}`,
    });
    cells.push(...mine);

    // Tenant A is untouched, and nothing at all was written or sent upstream.
    expect(await fx.probe.settle()).toEqual(before);
    expect((await a.admin.get<Json>(`/v1/providers/${a.providerId}`)).body.name).toBe('tenant-a-mock');
    const wrong = mine.filter((c) => !c.expected.includes(c.actual) || c.note.startsWith('differs'));
    expect(wrong.map((c) => `${c.route} as ${c.caller}: ${c.actual} (${c.note})`)).toEqual([]);
    expect(mine.length).toBeGreaterThan(20);
  });

  it("starts an agent for another tenant's recipient only to deny it, exactly as for a recipient that does not exist", async () => {
    const { a, b } = fx;
    // A start is accepted (202) and decided asynchronously: credential.issued or credential.denied (API.md).
    const foreign = await b.admin.post<Json>(`/v1/agents/${b.agentId}/start`, { recipientId: a.recipientId });
    const unknown = await b.admin.post<Json>(`/v1/agents/${b.agentId}/start`, { recipientId: 'rcp_00000000000000000000' });
    const startIds = [foreign.body.startId, unknown.body.startId];
    const outcomes = await eventually(
      () => readStreamMessages(fx.stack.names, fx.stack.names.event(b.id, '>')),
      (msgs) => startIds.every((id) => msgs.some((m) => m.data.startId === id && /^credential\.(issued|denied)$/.test(String(m.data.type)))),
    );
    const outcome = (startId: unknown) => outcomes.find((m) => m.data.startId === startId && /^credential\./.test(String(m.data.type)))?.data;
    const [foreignOutcome, unknownOutcome] = startIds.map(outcome);
    cells.push({
      route: 'POST /v1/agents/:id/start {recipientId}',
      caller: "admin B, A's recipient in the body",
      expected: [202],
      actual: foreign.status,
      note: `${String(foreignOutcome?.type)} (${String(foreignOutcome?.reason)}); unknown recipient: ${unknown.status} ${String(unknownOutcome?.type)} (${String(unknownOutcome?.reason)})`,
    });
    expect([foreign.status, unknown.status]).toEqual([202, 202]);
    expect(foreignOutcome).toMatchObject({ type: 'credential.denied', tenantId: b.id, agentId: b.agentId });
    expect(foreignOutcome?.reason).toEqual(unknownOutcome?.reason);
    expect(unknownOutcome?.type).toBe('credential.denied');
    // Nothing went to tenant A: no event under its subjects names the start.
    const aEvents = await readStreamMessages(fx.stack.names, fx.stack.names.event(a.id, '>'));
    expect(aEvents.filter((m) => startIds.includes(m.data.startId as string))).toEqual([]);
  });

  it('refuses every wrong role (403) and every missing or bad key (401), and lets members read', async () => {
    const before = await fx.probe.settle();
    const { a, b } = fx;
    const agentHeader = { 'x-switchboard-agent': a.agentId };
    const anonymous = fx.anonymous;
    const callers: { readonly name: string; readonly client: ApiClient; readonly headers?: Record<string, string>; readonly expect: (access: Access) => number }[] = [
      { name: 'member A', client: a.member, expect: (x) => (x === 'read' ? 200 : 403) },
      { name: 'agent key A', client: a.agent, expect: () => 403 },
      { name: 'operator', client: fx.operator, expect: (x) => (x === 'operator' ? 201 : 403) },
      { name: 'admin A', client: a.admin, expect: (x) => (x === 'operator' ? 403 : 0) },
      { name: 'no key', client: anonymous, expect: () => 401 },
      { name: 'unknown key', client: anonymous.withKey('sbk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'), expect: () => 401 },
      { name: 'Basic auth', client: anonymous, headers: { authorization: 'Basic YWRtaW46YWRtaW4=' }, expect: () => 401 },
      { name: 'agent key A as x-api-key', client: anonymous, headers: { 'x-api-key': a.agentKey }, expect: () => 401 },
    ];
    const mine: Cell[] = [];
    for (const r of ROUTES) {
      const path = r.id ? r.template.replace(':id', idOf(a, r.id)) : r.template;
      for (const c of callers) {
        const expected = c.expect(r.access);
        // Successful writes would change the fixture; only reads (and nothing for admin A here) are called when allowed.
        if (expected === 0 || (expected === 201 && r.access === 'operator')) continue;
        const res = await call(c.client, r.method, path, r.body?.(a), c.headers);
        const code = errorCode(res.body);
        const shapeOk = expected < 300 || (code !== null && (expected === 401 ? code === 'unauthorized' || code.length > 0 : code === 'forbidden'));
        mine.push({ route: `${r.method} ${r.template}`, caller: c.name, expected: [expected], actual: res.status, note: shapeOk ? code ?? '' : `unexpected body ${res.text.slice(0, 200)}` });
      }
    }
    // The proxy routes: an agent key (or an admin key naming the agent); no other role, no other tenant's key.
    const proxyCallers: { name: string; headers: Record<string, string>; expected: number }[] = [
      { name: 'member A + x-switchboard-agent', headers: { authorization: `Bearer ${a.member.defaultKey}`, ...agentHeader }, expected: 403 },
      { name: 'operator + x-switchboard-agent', headers: { authorization: `Bearer ${fx.stack.operatorKey}`, ...agentHeader }, expected: 403 },
      { name: 'agent key B + x-switchboard-agent: A', headers: { authorization: `Bearer ${b.agentKey}`, ...agentHeader }, expected: 403 },
      { name: 'admin A without x-switchboard-agent', headers: { authorization: `Bearer ${a.adminKey}` }, expected: 403 },
      { name: 'no key', headers: {}, expected: 401 },
      { name: 'unknown key', headers: { authorization: 'Bearer sbk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, expected: 401 },
    ];
    const proxyRoutes: [string, string, Json | undefined, 'openai' | 'anthropic'][] = [
      ['POST', '/v1/chat/completions', { model: 'fast', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 }, 'openai'],
      ['POST', '/v1/responses', { model: 'fast', input: 'hi', max_output_tokens: 4 }, 'openai'],
      ['POST', '/v1/messages', { model: 'fast', max_tokens: 4, messages: [{ role: 'user', content: 'hi' }] }, 'anthropic'],
      ['GET', '/v1/models', undefined, 'openai'],
    ];
    for (const [method, path, body, dialect] of proxyRoutes) {
      for (const c of proxyCallers) {
        const res = await call(anonymous, method, path, body, c.headers);
        const error = (res.body as { type?: unknown; error?: { message?: unknown; type?: unknown } } | null) ?? {};
        const shapeOk = dialect === 'openai' ? typeof error.error?.message === 'string' : error.type === 'error' && typeof error.error?.type === 'string';
        mine.push({ route: `${method} ${path}`, caller: c.name, expected: [c.expected], actual: res.status, note: shapeOk ? String(error.error?.type ?? '') : `not the ${dialect} error shape: ${res.text.slice(0, 200)}` });
      }
    }
    cells.push(...mine);

    expect(await fx.probe.settle()).toEqual(before);
    const wrong = mine.filter((c) => !c.expected.includes(c.actual) || c.note.startsWith('unexpected') || c.note.startsWith('not the'));
    expect(wrong.map((c) => `${c.route} as ${c.caller}: expected ${c.expected.join('|')}, got ${c.actual} (${c.note})`)).toEqual([]);
    expect(mine.length).toBeGreaterThan(ROUTES.length * 6);
  });

  // Last: it adds to tenant A, so that every list of A has a second page and so a cursor to steal.
  it("shows tenant B nothing of tenant A's through A's page cursors, on every list route", async () => {
    const { a, b } = fx;
    const created = await Promise.all([
      a.admin.post('/v1/providers', { name: 'tenant-a-second', type: 'openai' }),
      a.admin.post(`/v1/providers/${a.providerId}/models`, { name: 'second' }),
      a.admin.post('/v1/agents', { name: 'tenant-a-second-agent', providerId: a.providerId }),
      a.admin.post('/v1/secrets', { name: 'tenant-a-second-secret', value: 'v-second-1234' }),
      a.admin.post('/v1/recipients', { name: 'tenant-a-second-orchestrator', publicKey: x25519PublicKey() }),
      a.admin.patch(`/v1/providers/${a.providerId}`, { rateLimitRpm: 1000 }),
      a.admin.post('/v1/webhooks', { url: 'http://127.0.0.1:9/tenant-a-second', events: ['budget.restored'] }),
    ]);
    expect(created.map((res) => res.status)).toEqual([201, 201, 201, 201, 201, 200, 201]);

    const lists: [string, (t: SeededTenant) => string][] = [
      ['GET /v1/keys', () => '/v1/keys'],
      ['GET /v1/providers', () => '/v1/providers'],
      ['GET /v1/providers/:id/models', (t) => `/v1/providers/${t.providerId}/models`],
      ['GET /v1/providers/:id/history', (t) => `/v1/providers/${t.providerId}/history`],
      ['GET /v1/agents', () => '/v1/agents'],
      ['GET /v1/secrets', () => '/v1/secrets'],
      ['GET /v1/recipients', () => '/v1/recipients'],
      ['GET /v1/webhooks', () => '/v1/webhooks'],
    ];
    const mine: Cell[] = [];
    for (const [route, pathOf] of lists) {
      const aFirst = await a.admin.get<{ data: Json[]; nextCursor: string | null }>(`${pathOf(a)}?limit=1`);
      const cursor = aFirst.body.nextCursor;
      expect([route, typeof cursor]).toEqual([route, 'string']);
      const aAll = (await a.admin.get<{ data: Json[] }>(`${pathOf(a)}?limit=1000`)).body.data;
      const bAll = (await b.admin.get<{ data: Json[] }>(`${pathOf(b)}?limit=1000`)).body.data;
      const stolen = await b.admin.get<{ data: Json[]; nextCursor: string | null }>(`${pathOf(b)}?limit=1000&cursor=${cursor}`);
      // A cursor is a position only: B reads B's own items after it, and nothing that is A's.
      const leaked = stolen.body.data.filter((item) => aAll.some((mineOfA) => JSON.stringify(mineOfA) === JSON.stringify(item)));
      const foreignItems = stolen.body.data.filter((item) => !bAll.some((own) => JSON.stringify(own) === JSON.stringify(item)));
      const aIds = aAll.map((item) => item.id).filter((id): id is string => typeof id === 'string');
      const named = aIds.filter((id) => stolen.text.includes(id));
      mine.push({
        route: `${route}?cursor`,
        caller: "admin B, A's cursor",
        expected: [200],
        actual: stolen.status,
        note: leaked.length + foreignItems.length + named.length === 0 ? `${stolen.body.data.length} of B's own` : `differs: shows A's ${JSON.stringify([...leaked, ...foreignItems, ...named]).slice(0, 200)}`,
      });
      if (pathOf(a) !== pathOf(b)) {
        // On A's provider, with A's own cursor: as unknown as a provider that does not exist.
        const foreign = await b.admin.get(`${pathOf(a)}?cursor=${cursor}`);
        const unknown = await b.admin.get(`${pathOf(a).replace(a.providerId, UNKNOWN.provider)}?cursor=${cursor}`);
        mine.push({
          route: `${route}?cursor`,
          caller: "admin B, A's provider and cursor",
          expected: [404],
          actual: foreign.status,
          note: foreign.status === unknown.status && errorCode(foreign.body) === errorCode(unknown.body) ? errorCode(foreign.body) ?? '' : `differs from an unknown id: ${unknown.status}`,
        });
      }
    }
    cells.push(...mine);
    const wrong = mine.filter((c) => !c.expected.includes(c.actual) || c.note.startsWith('differs'));
    expect(wrong.map((c) => `${c.route} as ${c.caller}: ${c.actual} (${c.note})`)).toEqual([]);
  });
});

function printMatrix(cells: readonly Cell[]): string {
  const w = Math.max(...cells.map((c) => c.route.length));
  const v = Math.max(...cells.map((c) => c.caller.length));
  const lines = [`${'route'.padEnd(w)}  ${'caller'.padEnd(v)}  expected  actual  `];
  for (const c of cells) {
    const mark = c.expected.includes(c.actual) && !/^(differs|unexpected|not the)/.test(c.note) ? 'ok' : 'WRONG';
    lines.push(`${c.route.padEnd(w)}  ${c.caller.padEnd(v)}  ${c.expected.join('|').padEnd(8)}  ${String(c.actual).padEnd(6)}  ${mark} ${c.note}`);
  }
  return lines.join('\n');
}
