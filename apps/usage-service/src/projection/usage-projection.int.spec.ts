import { createLogger } from '@switchboard/telemetry';
import { UsageOps, attemptKeyOf, type UsageRecorded } from '@switchboard/contracts';
import pg from 'pg';
import { pgClientConfig } from '@switchboard/event-store';
import { projectCalls, recomputeDailyAggregates } from './usage.projection.js';
import { replayUsageStream } from '../rebuild/usage-stream.replay.js';
import { memberOf, newTenantId, startTestStack, usageCall, value, type TestStack } from '../../test/service.harness.js';
import type { RunningUsageService } from '../usage-service.bootstrap.js';

interface DailyRow {
  tenant_id: string;
  day: string;
  provider_id: string;
  model: string;
  agent_id: string;
  requests: string;
  errors: string;
  input_tokens: string;
  output_tokens: string;
  cached_tokens: string;
  cost_usd: string;
  latency_sum_ms: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const quiet = createLogger('usage-rebuild-spec', { level: 'error', write: () => undefined });

describe('usage projection (real Postgres and NATS)', () => {
  let stack: TestStack;
  /** The instance whose store the rebuild uses; replaced when a spec restarts the service. */
  let running: RunningUsageService;

  const daily = (tenantId?: string) =>
    stack.query<DailyRow>(
      `SELECT tenant_id, to_char(day, 'YYYY-MM-DD') AS day, provider_id, model, agent_id, requests::text, errors::text,
              input_tokens::text, output_tokens::text, cached_tokens::text, cost_usd::text, latency_sum_ms::text
         FROM usage.daily ${tenantId ? 'WHERE tenant_id = $1' : ''} ORDER BY tenant_id, day, provider_id, model, agent_id`,
      tenantId ? [tenantId] : [],
    );
  const callCount = async (tenantId: string) =>
    Number((await stack.query<{ n: string }>('SELECT count(*) AS n FROM usage.calls WHERE tenant_id = $1', [tenantId]))[0]?.n);

  beforeAll(async () => {
    stack = await startTestStack();
    running = stack.service;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('records each call once and sums it into its UTC day, provider, model and agent', async () => {
    const tenantId = newTenantId();
    const started = Date.now();
    const price = { inputUsdPerMTok: 2.5, outputUsdPerMTok: 10, cachedInputUsdPerMTok: 1.25, source: 'catalog' as const, catalogModel: 'openai/gpt-4o' };
    const first = usageCall({ inputTokens: 100, outputTokens: 20, cachedTokens: 30, costUsd: 0.25, price, latencyMs: 120.5 });
    await stack.publishUsage(tenantId, first, { at: '2025-03-01T23:59:59.900Z' });
    await stack.publishUsage(tenantId, usageCall({ status: 429, errorKind: 'rate_limited', inputTokens: 0, outputTokens: 0, latencyMs: 3 }), {
      at: '2025-03-01T10:00:00+02:00',
    });
    await stack.publishUsage(tenantId, usageCall({ costUsd: undefined, ttfbMs: null, latencyMs: 7 }), { at: '2025-03-02T00:00:00.000Z' });
    // The gateway republishing from its spool: inside the duplicate window JetStream drops it ...
    expect(await stack.publishUsage(tenantId, first, { at: '2025-03-01T23:59:59.900Z' })).toEqual({ duplicate: true });
    // ... and after it, the projector sees it again and must not count it twice.
    expect(await stack.publishUsage(tenantId, first, { at: '2025-03-01T23:59:59.900Z', msgId: `${first.requestId}-late` })).toEqual({
      duplicate: false,
    });
    await stack.projectorIdle();
    const idle = Date.now();

    expect(await callCount(tenantId)).toBe(3);
    // Each row carries when it was projected (this machine's clock, as the database's), not the call's `at`.
    const projected = await stack.query<{ ms: number }>('SELECT extract(epoch FROM projected_at)::float8 * 1000 AS ms FROM usage.calls WHERE tenant_id = $1', [
      tenantId,
    ]);
    expect(projected).toHaveLength(3);
    for (const { ms } of projected) {
      expect(ms).toBeGreaterThanOrEqual(started);
      expect(ms).toBeLessThanOrEqual(idle + 1);
    }
    const common = { tenant_id: tenantId, provider_id: 'prv_a', model: 'gpt-test', agent_id: 'agt_a' };
    expect(await daily(tenantId)).toEqual([
      { ...common, day: '2025-03-01', requests: '2', errors: '1', input_tokens: '100', output_tokens: '20', cached_tokens: '30', cost_usd: '0.251', latency_sum_ms: '123.5' },
      { ...common, day: '2025-03-02', requests: '1', errors: '0', input_tokens: '10', output_tokens: '5', cached_tokens: '0', cost_usd: '0', latency_sum_ms: '7' },
    ]);
    const storedCall = async (requestIdOrLatency: string) =>
      (
        await stack.query<Record<string, string | null>>(
          `SELECT error_kind, cost_usd::text, ttfb_ms::text, price_input_usd_per_mtok::text AS price_input, price_output_usd_per_mtok::text AS price_output,
                  price_cached_usd_per_mtok::text AS price_cached, price_source
             FROM usage.calls WHERE tenant_id = $1 AND (request_id = $2 OR latency_ms::text = $2)`,
          [tenantId, requestIdOrLatency],
        )
      )[0];
    const unpriced = { cost_usd: null, price_input: null, price_output: null, price_cached: null, price_source: null };
    expect(await storedCall('7')).toEqual({ error_kind: null, ttfb_ms: null, ...unpriced });
    // The price the cost was computed with is kept with the call.
    expect(await storedCall(first.requestId)).toEqual({
      error_kind: null,
      cost_usd: '0.25',
      ttfb_ms: '40',
      price_input: '2.5',
      price_output: '10',
      price_cached: '1.25',
      price_source: 'catalog',
    });
  });

  it('acknowledges messages it can never project, without stopping for the calls behind them', async () => {
    const tenantId = newTenantId();
    const other = newTenantId();
    const subject = stack.names.event(tenantId, 'usage.recorded');
    await stack.publishRaw(subject, 'not json at all', 'bad-1');
    await stack.publishRaw(subject, JSON.stringify({ eventId: 'bad-2', type: 'usage.recorded', tenantId, at: 'yesterday' }), 'bad-2');
    const negative = { ...usageCall(), inputTokens: -1 };
    await stack.publishRaw(subject, JSON.stringify({ eventId: negative.requestId, type: 'usage.recorded', tenantId, at: new Date().toISOString(), ...negative }), 'bad-3');
    // Another tenant's call filed under this tenant's subject.
    const foreign = usageCall();
    await stack.publishRaw(subject, JSON.stringify({ eventId: foreign.requestId, type: 'usage.recorded', tenantId: other, at: new Date().toISOString(), ...foreign }), 'bad-4');
    await stack.publishUsage(tenantId, usageCall());
    await stack.projectorIdle();

    expect(await callCount(tenantId)).toBe(1);
    expect(await callCount(other)).toBe(0);
  });

  it('writes a batch with a statement its connection prepared once, and a repeated call adds nothing', async () => {
    const tenantId = newTenantId();
    const call = { ...usageCall({ inputTokens: 7, outputTokens: 3 }), tenantId, type: 'usage.recorded', at: new Date().toISOString() };
    const message = { ...call, eventId: call.requestId };
    const pool = new pg.Pool({ ...pgClientConfig(running.store.dataSource), max: 1 });
    try {
      expect([...(await projectCalls(pool, [message])).added]).toEqual([call.requestId]);
      expect([...(await projectCalls(pool, [message])).added]).toEqual([]);
      const prepared = await pool.query<{ name: string }>('SELECT name FROM pg_prepared_statements');
      expect(prepared.rows.map((r) => r.name)).toContain('usage_project_calls');
      expect(await callCount(tenantId)).toBe(1);
    } finally {
      await pool.end();
      // Written past the stream: the rebuild spec below replays the stream and compares every tenant's aggregates.
      for (const table of ['calls', 'daily', 'budget_ledger']) await stack.query(`DELETE FROM usage.${table} WHERE tenant_id = $1`, [tenantId]);
    }
  });

  it('records each failover attempt of a call as a row of its own, and settles the reservation each attempt held', async () => {
    const tenantId = newTenantId();
    const requestId = `req_${tenantId}`;
    const at = new Date().toISOString();
    const event = (overrides: Partial<UsageRecorded>) => {
      const call = { ...usageCall({ requestId, ...overrides }), tenantId, type: 'usage.recorded', at };
      return { ...call, eventId: attemptKeyOf(requestId, call.attempt) };
    };
    const first = event({ providerId: 'prv_primary', status: 502, errorKind: 'upstream_5xx', inputTokens: 0, outputTokens: 0, costUsd: 0, attempt: 1 });
    const second = event({ providerId: 'prv_fallback', costUsd: 0.002, attempt: 2 });
    // The second attempt's reservation, as the gateway keys it: the projection must release it, not leave it to expire.
    const period = await stack.query<{ p: string }>(`SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM') AS p`);
    await stack.query(
      `INSERT INTO usage.budget_reservations (request_id, tenant_id, provider_id, agent_id, period, amount_usd, expires_at)
       VALUES ($1, $2, 'prv_fallback', 'agt_a', $3, 0.5, now() + interval '1 hour')`,
      [`${requestId}-2`, tenantId, period[0]?.p],
    );
    await stack.query(
      `INSERT INTO usage.budget_ledger (tenant_id, scope, subject_id, period, reserved_usd)
       VALUES ($1, 'provider', 'prv_fallback', $2, 0.5), ($1, 'agent', 'agt_a', $2, 0.5)`,
      [tenantId, period[0]?.p],
    );
    const pool = new pg.Pool({ ...pgClientConfig(running.store.dataSource), max: 1 });
    try {
      expect([...(await projectCalls(pool, [first, second])).added].sort()).toEqual([requestId, `${requestId}-2`]);
      expect([...(await projectCalls(pool, [second])).added]).toEqual([]);
      expect(await callCount(tenantId)).toBe(2);
      const byProvider = (await daily(tenantId)).map((r) => [r.provider_id, r.requests, r.errors, r.cost_usd]);
      expect(byProvider).toEqual([
        ['prv_fallback', '1', '0', '0.002'],
        ['prv_primary', '1', '1', '0'],
      ]);
      const held = await stack.query('SELECT 1 FROM usage.budget_reservations WHERE tenant_id = $1', [tenantId]);
      expect(held).toHaveLength(0);
      const ledger = await stack.query<{ reserved: string; spent: string }>(
        `SELECT reserved_usd::text AS reserved, spent_usd::text AS spent FROM usage.budget_ledger WHERE tenant_id = $1 AND scope = 'provider' AND subject_id = 'prv_fallback'`,
        [tenantId],
      );
      expect(ledger).toEqual([{ reserved: '0.0', spent: '0.002' }]);
    } finally {
      await pool.end();
      for (const table of ['calls', 'daily', 'budget_ledger', 'budget_reservations']) await stack.query(`DELETE FROM usage.${table} WHERE tenant_id = $1`, [tenantId]);
    }
  });

  it('keeps tenants apart', async () => {
    const [a, b] = [newTenantId(), newTenantId()];
    await stack.publishUsage(a, usageCall({ inputTokens: 1 }));
    await stack.publishUsage(b, usageCall({ inputTokens: 1000 }));
    await stack.projectorIdle();
    const rows = value(await stack.bus.send(UsageOps.query, { actor: memberOf(a), groupBy: 'provider' }));
    expect(rows.data).toEqual([expect.objectContaining({ key: 'prv_a', requests: 1, inputTokens: 1 })]);
    expect(value(await stack.bus.send(UsageOps.agentStats, { actor: memberOf(b), agentId: 'agt_a' }))).toMatchObject({ requests: 1, inputTokens: 1000 });
  });

  it('counts every call once when the projector is stopped and another instance takes over mid-stream', async () => {
    const tenantId = newTenantId();
    const calls = Array.from({ length: 300 }, (_, i) => usageCall({ agentId: `agt_${i % 3}`, latencyMs: i, inputTokens: i }));
    const publishing = Promise.all(calls.map((call) => stack.publishUsage(tenantId, call)));
    const replica = await stack.startInstance('usage-service-replica');
    while ((await callCount(tenantId)) < 30) await sleep(5);
    await stack.service.close();
    const restarted = await stack.startInstance('usage-service-restarted');
    await publishing;
    await stack.projectorIdle(30_000);
    await replica.close();
    running = restarted;

    expect(await callCount(tenantId)).toBe(300);
    const rows = await daily(tenantId);
    expect(rows.reduce((n, row) => n + Number(row.requests), 0)).toBe(300);
    expect(rows.reduce((n, row) => n + Number(row.input_tokens), 0)).toBe((299 * 300) / 2);
  });

  it('rebuilds the same aggregates from the calls, and the calls from the events stream', async () => {
    const tenantId = newTenantId();
    for (let i = 0; i < 40; i += 1) {
      const at = new Date(Date.UTC(2025, 4, 1 + (i % 4), i % 24, 0, 0, i)).toISOString();
      await stack.publishUsage(tenantId, usageCall({ model: i % 2 ? 'gpt-a' : 'gpt-b', costUsd: i / 7, latencyMs: i * 1.1, status: i % 5 ? 200 : 500 }), { at });
    }
    await stack.projectorIdle();
    const live = await daily();
    const liveReply = value(await stack.bus.send(UsageOps.query, { actor: memberOf(tenantId), from: '2025-05-01', to: '2025-06-01', groupBy: 'model' }));

    await recomputeDailyAggregates(running.store.dataSource);
    expect(await daily()).toEqual(live);

    // The calls table lost: replaying the stream restores the calls, then the aggregates.
    await stack.query('DELETE FROM usage.calls');
    await stack.query('DELETE FROM usage.daily');
    const replayed = await replayUsageStream(stack.nc, stack.names, running.store.dataSource, quiet);
    expect(replayed.dropped).toBeGreaterThan(0);
    await recomputeDailyAggregates(running.store.dataSource);
    expect(await daily()).toEqual(live);
    expect(value(await stack.bus.send(UsageOps.query, { actor: memberOf(tenantId), from: '2025-05-01', to: '2025-06-01', groupBy: 'model' }))).toEqual(
      liveReply,
    );
  });
});
