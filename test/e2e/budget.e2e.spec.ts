import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import pg from 'pg';
import { ApiClient, MockLlmUpstream, Stack, deleteEventsStream, eventually, readStreamMessages } from '@switchboard/testing';

type Json = Record<string, unknown>;

/** Output at 2 USD per million tokens, input free: a call with max_tokens = 1000 costs exactly 0.002 USD. */
const OUTPUT_USD_PER_MTOK = 2;
const MAX_TOKENS = 1000;
const CALL_COST = (MAX_TOKENS * OUTPUT_USD_PER_MTOK) / 1_000_000;
const K = 5;

interface CallRow {
  request_id: string;
  status: number;
  input_tokens: string;
  output_tokens: string;
  cached_tokens: string;
  cost_usd: string | null;
  error_kind: string | null;
  price_source: string | null;
  price_cached_usd_per_mtok: string | null;
}

describe('monthly budgets hold across two gateways (real stack, mock upstream)', () => {
  let mock: MockLlmUpstream;
  let stack: Stack;
  let admin: ApiClient;
  let tenantId: string;
  let db: pg.Pool;

  beforeAll(async () => {
    mock = await new MockLlmUpstream().start();
    stack = await Stack.start({ replicas: { gateway: 2 }, env: { SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32' } });
    const tenant = await new ApiClient(stack.gatewayUrl, stack.operatorKey).post<Json>('/v1/tenants', { name: 'budgets' });
    tenantId = tenant.body.id as string;
    admin = new ApiClient(stack.gatewayUrl, tenant.body.adminKey as string);
    db = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
    db.on('error', () => undefined);
  });

  afterAll(async () => {
    await db?.end();
    await stack?.stop();
    if (stack) await deleteEventsStream(stack.names);
    await mock?.stop();
  });

  /** A provider with a budget of exactly `calls` metered calls, one model, one agent and its key. */
  /** Prices of the metering scenario: every kind of token costs something, cached input its own rate. */
  const METERED = { inputUsdPerMTok: 1, cachedInputUsdPerMTok: 0.25, outputUsdPerMTok: OUTPUT_USD_PER_MTOK };

  async function budgeted(
    name: string,
    calls: number | null,
    protocol: 'openai' | 'anthropic_messages' = 'openai',
    prices: Json = { inputUsdPerMTok: 0, outputUsdPerMTok: OUTPUT_USD_PER_MTOK },
  ) {
    const provider = await admin.post<Json>('/v1/providers', {
      name,
      type: 'custom',
      endpoint: `${mock.baseUrl}/v1`,
      ...(protocol === 'openai' ? {} : { protocol, authMethod: 'x_api_key' }),
      apiKey: `sk-${name}-0123456789`,
      monthlyBudgetUsd: calls === null ? null : calls * CALL_COST,
    });
    expect(provider.status).toBe(201);
    const providerId = provider.body.id as string;
    const model = await admin.post(`/v1/providers/${providerId}/models`, {
      name: 'metered',
      upstreamModel: protocol === 'openai' ? 'gpt-mock' : 'claude-mock',
      ...prices,
    });
    expect(model.status).toBe(201);
    const agent = await admin.post<Json>('/v1/agents', { name: `${name}-agent`, providerId });
    const key = (await admin.post<Json>('/v1/keys', { name: `${name}-key`, role: 'agent', agentId: agent.body.id })).body.key as string;
    return { providerId, agentId: agent.body.id as string, key };
  }

  const gateway = (i: number) => stack.gatewayUrls[i % stack.gatewayUrls.length] ?? stack.gatewayUrl;

  /** Completions that reached the upstream with a provider's key (model discovery also calls it, on GET /v1/models). */
  const upstreamCallsFor = (key: string) =>
    mock.calls().filter((c) => c.endpoint !== 'models' && c.headers.authorization === `Bearer ${key}`).length;

  async function chat(gateway: string, key: string, stream = false): Promise<{ status: number; body: Json; requestId: string | null }> {
    const response = await fetch(`${gateway}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'metered', messages: [{ role: 'user', content: 'count to three' }], max_tokens: MAX_TOKENS, stream }),
    });
    const text = await response.text();
    return { status: response.status, body: stream && response.ok ? {} : (JSON.parse(text) as Json), requestId: response.headers.get('x-request-id') };
  }

  it(`lets at most ${K} of 80 concurrent calls through two gateways reach the upstream`, async () => {
    const { providerId, key } = await budgeted('concurrent', K);
    const upstreamKey = 'sk-concurrent-0123456789';
    const results = await Promise.all(Array.from({ length: 80 }, (_, i) => chat(gateway(i % 2), key)));
    const admitted = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status !== 200);
    expect(upstreamCallsFor(upstreamKey)).toBeLessThanOrEqual(K);
    expect(upstreamCallsFor(upstreamKey)).toBe(admitted.length);
    // Every reserved maximum equals the call's cost, so the budget admits exactly K: no false block either.
    expect(admitted).toHaveLength(K);
    for (const r of refused) {
      expect(r.status).toBe(429);
      expect(r.body).toMatchObject({ error: { code: 'budget_exceeded', type: 'insufficient_quota' } });
      expect((r.body['error'] as Json)['message']).toContain(`monthly budget of provider ${providerId}`);
    }
    const budget = await eventually(
      async () => (await admin.get<Json>(`/v1/providers/${providerId}/budget`)).body,
      (b) => b['reservedUsd'] === 0,
      10_000,
    );
    expect(budget).toMatchObject({ monthlyBudgetUsd: K * CALL_COST, remainingUsd: 0, exhausted: true });
    expect(budget['spentUsd']).toBeCloseTo(K * CALL_COST, 12);
    expect(budget['periodStart']).toBe(`${new Date().toISOString().slice(0, 7)}-01T00:00:00.000Z`);

    const events = await eventually(
      async () => (await readStreamMessages(stack.names, stack.names.event(tenantId, 'budget.exhausted'))).map((m) => m.data),
      (list) => list.some((e) => e['subjectId'] === providerId),
      10_000,
    );
    expect(events.filter((e) => e['subjectId'] === providerId)).toHaveLength(1);
  }, 60_000);

  it(`admits exactly ${K} calls sent one by one, alternating gateways, then refuses the next`, async () => {
    const { providerId, key } = await budgeted('sequential', K);
    const statuses: number[] = [];
    for (let i = 0; i < K + 2; i++) statuses.push((await chat(gateway(i % 2), key, i % 3 === 0)).status);
    expect(statuses).toEqual([...Array<number>(K).fill(200), 429, 429]);
    expect(upstreamCallsFor('sk-sequential-0123456789')).toBe(K);

    // Raising the limit lets calls through again, and is announced.
    const current = await admin.get<Json>(`/v1/providers/${providerId}`);
    const patched = await admin.patch(`/v1/providers/${providerId}`, { monthlyBudgetUsd: (K + 1) * CALL_COST }, { headers: { 'if-match': current.headers.get('etag') ?? '' } });
    expect(patched.status).toBe(200);
    const after = await eventually(
      async () => (await chat(gateway(1), key)).status,
      (status) => status === 200,
      10_000,
    );
    expect(after).toBe(200);
    await eventually(
      async () => (await readStreamMessages(stack.names, stack.names.event(tenantId, 'budget.restored'))).map((m) => m.data),
      (list) => list.some((e) => e['subjectId'] === providerId),
      10_000,
    );
  }, 60_000);

  it('admits from leases far from the limit and still exactly as many calls as the budget holds', async () => {
    const k = 300;
    const { providerId, key } = await budgeted('leased', k);
    // Far from the limit, one by one: after a couple of calls the gateways lease and admit from the leases.
    const warm: number[] = [];
    for (let i = 0; i < 60; i++) warm.push((await chat(gateway(i), key)).status);
    // A burst, while leases may be open on both gateways.
    const burst = await Promise.all(Array.from({ length: 100 }, (_, i) => chat(gateway(i), key)));
    expect([...warm, ...burst.map((r) => r.status)].every((status) => status === 200)).toBe(true);
    // Then one by one, alternating gateways, to the end: every remaining call fits, the next ones do not.
    const statuses: number[] = [];
    for (let i = 0; i < k - 160 + 3; i++) statuses.push((await chat(gateway(i), key)).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(k - 160);
    expect(statuses.slice(-3)).toEqual([429, 429, 429]);
    expect(upstreamCallsFor('sk-leased-0123456789')).toBe(k);

    const leased = await eventually(
      async () =>
        (
          await db.query<{ leased: string; total: string }>(
            `SELECT count(*) FILTER (WHERE lease_id IS NOT NULL) AS leased, count(*) AS total FROM usage.calls WHERE provider_id = $1`,
            [providerId],
          )
        ).rows[0],
      (row) => Number(row?.total) === k + 3,
      10_000,
    );
    expect(Number(leased?.leased)).toBeGreaterThan(0);
    const budget = await eventually(
      async () => (await admin.get<Json>(`/v1/providers/${providerId}/budget`)).body,
      (b) => b['reservedUsd'] === 0,
      10_000,
    );
    expect(budget['spentUsd']).toBeCloseTo(k * CALL_COST, 12);
  }, 60_000);

  it('records the tokens and cost the upstream reported, streamed and non-streamed, and an estimate for aborted streams', async () => {
    const openaiRoute = await budgeted('metering-openai', 1000, 'openai', METERED);
    const anthropicRoute = await budgeted('metering-anthropic', 1000, 'anthropic_messages', METERED);
    mock.configure({ cachedTokens: 4 });
    const openai = (gateway: string) => new OpenAI({ apiKey: openaiRoute.key, baseURL: `${gateway}/v1`, maxRetries: 0 });
    const anthropic = new Anthropic({ apiKey: anthropicRoute.key, baseURL: gateway(1), maxRetries: 0 });
    const before = mock.calls().length;

    await openai(gateway(0)).chat.completions.create({ model: 'metered', messages: [{ role: 'user', content: 'a' }], max_tokens: 40 });
    const streamed = await openai(gateway(1)).chat.completions.create({ model: 'metered', messages: [{ role: 'user', content: 'b' }], max_tokens: 30, stream: true });
    for await (const chunk of streamed) void chunk;
    await openai(gateway(0)).responses.create({ model: 'metered', input: 'c', max_output_tokens: 20 });
    await anthropic.messages.create({ model: 'metered', max_tokens: 25, messages: [{ role: 'user', content: 'd' }] });
    const anthropicStream = anthropic.messages.stream({ model: 'metered', max_tokens: 15, messages: [{ role: 'user', content: 'e' }] });
    await anthropicStream.finalMessage();

    // Aborted mid-stream: slow chunks, and the client leaves after the first one.
    mock.configure({ chunks: 8, interChunkDelayMs: 150 });
    try {
      for (const [protocol, url, key] of [
        ['openai', `${gateway(0)}/v1/chat/completions`, openaiRoute.key],
        ['anthropic', `${gateway(1)}/v1/messages`, anthropicRoute.key],
      ] as const) {
        const abort = new AbortController();
        const response = await fetch(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'x-api-key': key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
          body: JSON.stringify({ model: 'metered', max_tokens: 50, stream: true, messages: [{ role: 'user', content: `abort ${protocol}` }] }),
          signal: abort.signal,
        });
        if (response.body === null) throw new Error('no stream body');
        const reader = response.body.getReader();
        await reader.read();
        abort.abort();
        await reader.cancel().catch(() => undefined);
      }
    } finally {
      mock.configure({ chunks: 4, interChunkDelayMs: 0, cachedTokens: 0 });
    }

    const rows = await eventually(
      async () =>
        (
          await db.query<CallRow>(
            `SELECT request_id, status, input_tokens, output_tokens, cached_tokens, cost_usd, error_kind, price_source, price_cached_usd_per_mtok FROM usage.calls
              WHERE tenant_id = $1 AND provider_id = ANY($2) ORDER BY at`,
            [tenantId, [openaiRoute.providerId, anthropicRoute.providerId]],
          )
        ).rows,
      (list) => list.length === 7,
      15_000,
    );
    const upstream = await eventually(
      async () => mock.calls().slice(before),
      (calls) => calls.length === 7,
      10_000,
    );
    const reported = (usage: { outputTokens: number; inputTokens: number; cachedTokens: number } | null) => ({
      input: usage?.inputTokens ?? 0,
      output: usage?.outputTokens ?? 0,
      cached: usage?.cachedTokens ?? 0,
    });
    // The completed calls read 4 cached tokens, and so did the aborted Anthropic stream (its message_start said so);
    // the aborted OpenAI stream reported nothing at all.
    expect(rows.filter((r) => Number(r.cached_tokens) === 4)).toHaveLength(6);
    const wasAborted = (call: (typeof upstream)[number]) => JSON.stringify(call.body).includes('abort ');
    const tokensOf = (r: CallRow) => ({ input: Number(r.input_tokens), output: Number(r.output_tokens), cached: Number(r.cached_tokens) });
    const completed = rows.filter((r) => r.error_kind !== 'client_closed').map(tokensOf);
    expect(completed.sort(byTokens)).toEqual(upstream.filter((c) => !wasAborted(c)).map((c) => reported(c.usage)).sort(byTokens));
    // Left after the first chunk: estimated, never free. The input Anthropic reported at message_start is kept.
    const aborted = rows.filter((r) => r.error_kind === 'client_closed').map(tokensOf);
    expect(aborted).toHaveLength(2);
    for (const row of aborted) {
      expect(row.input).toBeGreaterThan(0);
      expect(row.output).toBeGreaterThanOrEqual(1);
    }
    const anthropicAborted = upstream.find((c) => wasAborted(c) && c.protocol === 'anthropic');
    expect(aborted.map((r) => r.input)).toContain(anthropicAborted?.usage?.inputTokens);
    for (const row of rows) {
      const [input, cached, output] = [Number(row.input_tokens), Number(row.cached_tokens), Number(row.output_tokens)];
      const expected = ((input - cached) * METERED.inputUsdPerMTok + cached * METERED.cachedInputUsdPerMTok + output * OUTPUT_USD_PER_MTOK) / 1_000_000;
      expect(Number(row.cost_usd)).toBeCloseTo(expected, 12);
      expect(Number(row.cost_usd)).toBeGreaterThan(0);
      // Each cost is stored with the price it was computed at.
      expect([row.price_source, Number(row.price_cached_usd_per_mtok)]).toEqual(['override', METERED.cachedInputUsdPerMTok]);
    }
    expect(rows.filter((r) => r.error_kind === 'client_closed')).toHaveLength(2);

    // Every reservation was settled by its call's event: nothing stays reserved, spend is the sum of costs.
    for (const route of [openaiRoute, anthropicRoute]) {
      const budget = await eventually(
        async () => (await admin.get<Json>(`/v1/providers/${route.providerId}/budget`)).body,
        (b) => b['reservedUsd'] === 0,
        10_000,
      );
      expect(budget['spentUsd']).toBeCloseTo(await spentOf(db, tenantId, route.providerId), 12);
    }
  }, 60_000);

  it('holds an agent to its own budget beside its provider’s, and reports it', async () => {
    const { providerId, agentId, key } = await budgeted('agent-capped', 100);
    const agent = await admin.get<Json>(`/v1/agents/${agentId}`);
    const capped = await admin.patch<Json>(`/v1/agents/${agentId}`, { monthlyBudgetUsd: 2 * CALL_COST }, { headers: { 'if-match': agent.headers.get('etag') ?? '' } });
    expect(capped.status).toBe(200);
    const statuses = await eventually(
      async () => {
        const list: number[] = [];
        for (let i = 0; i < 3; i++) list.push((await chat(gateway(i), key)).status);
        return list;
      },
      // The route cached before the change is dropped by agent.updated; until then the agent is uncapped.
      (list) => list.includes(429),
      10_000,
    );
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    const refusal = await chat(gateway(0), key);
    expect(refusal.status).toBe(429);
    expect((refusal.body['error'] as Json)['message']).toContain(`monthly budget of agent agent-capped-agent (${agentId})`);
    const budget = await eventually(
      async () => (await admin.get<Json>(`/v1/agents/${agentId}/budget`)).body,
      (b) => b['reservedUsd'] === 0,
      10_000,
    );
    expect(budget).toMatchObject({ monthlyBudgetUsd: 2 * CALL_COST, exhausted: true, remainingUsd: 0 });
    // The provider's own budget is far from spent.
    expect((await admin.get<Json>(`/v1/providers/${providerId}/budget`)).body).toMatchObject({ exhausted: false });
  }, 30_000);

  it('refuses a budgeted call to a model without a price, and answers 404 for a foreign provider’s budget', async () => {
    const { providerId, key } = await budgeted('unpriced', 10);
    await admin.post(`/v1/providers/${providerId}/models`, { name: 'free-for-all', upstreamModel: 'gpt-mock' });
    const response = await fetch(`${gateway(0)}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'free-for-all', messages: [{ role: 'user', content: 'x' }], max_tokens: 5 }),
    });
    // Its cost could not be bounded, so the budget could not be held: refused before anything is forwarded.
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain('no known price');

    const other = await new ApiClient(stack.gatewayUrl, stack.operatorKey).post<Json>('/v1/tenants', { name: 'other' });
    const stranger = new ApiClient(stack.gatewayUrl, other.body.adminKey as string);
    expect((await stranger.get(`/v1/providers/${providerId}/budget`)).status).toBe(404);
  }, 30_000);
});

const byTokens = (a: { input: number; output: number }, b: { input: number; output: number }) => a.output - b.output || a.input - b.input;

async function spentOf(db: pg.Pool, tenantId: string, providerId: string): Promise<number> {
  const { rows } = await db.query<{ s: string }>(`SELECT coalesce(sum(cost_usd), 0) AS s FROM usage.calls WHERE tenant_id = $1 AND provider_id = $2`, [
    tenantId,
    providerId,
  ]);
  return Number(rows[0]?.s ?? 0);
}
