import { UsageOps, serviceHealth, type Actor } from '@switchboard/contracts';
import { memberOf, newTenantId, startTestStack, usageCall, value, type TestStack } from '../../test/service.harness.js';

/** percentile_cont as Postgres computes it: linear interpolation between the closest ranks. */
function p95(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = 0.95 * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return (sorted[low] ?? 0) + ((sorted[high] ?? 0) - (sorted[low] ?? 0)) * (rank - low);
}

const round2 = (n: number) => Math.round(n * 100) / 100;

describe('usage queries (real Postgres and NATS)', () => {
  let stack: TestStack;
  const tenantId = newTenantId();
  const reader = memberOf(tenantId);
  const latencies = Array.from({ length: 40 }, (_, i) => (i + 1) * 2.5);

  beforeAll(async () => {
    // Pinned so the default window (the current UTC month) is known.
    stack = await startTestStack({ clock: () => new Date('2025-06-15T12:00:00Z') });
    for (const [i, latencyMs] of latencies.entries()) {
      const call = usageCall({
        providerId: i % 2 ? 'prv_odd' : 'prv_even',
        model: i % 4 < 2 ? 'small' : 'large',
        agentId: `agt_${i % 5}`,
        status: i % 10 === 0 ? 502 : 200,
        inputTokens: i,
        outputTokens: 2 * i,
        costUsd: 0.01,
        latencyMs,
      });
      await stack.publishUsage(tenantId, call, { at: `2025-06-${String(1 + (i % 3)).padStart(2, '0')}T08:00:00Z` });
    }
    // Outside the default window and the one queried below.
    await stack.publishUsage(tenantId, usageCall({ latencyMs: 9999 }), { at: '2025-05-31T23:59:59Z' });
    await stack.projectorIdle();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const query = (groupBy: 'provider' | 'model' | 'agent' | 'day', range: { from?: string; to?: string } = {}, actor: Actor = reader) =>
    stack.bus.send(UsageOps.query, { actor, groupBy, ...range });

  it('groups by provider with sums from the aggregates and an exact p95 from the calls', async () => {
    const { data } = value(await query('provider', { from: '2025-06-01', to: '2025-07-01' }));
    const odd = latencies.filter((_, i) => i % 2 === 1);
    const even = latencies.filter((_, i) => i % 2 === 0);
    expect(data).toEqual([
      {
        key: 'prv_even',
        requests: 20,
        errors: 4,
        inputTokens: even.reduce((n, _, k) => n + 2 * k, 0),
        outputTokens: even.reduce((n, _, k) => n + 4 * k, 0),
        costUsd: 0.2,
        avgLatencyMs: round2(even.reduce((a, b) => a + b, 0) / 20),
        p95LatencyMs: round2(p95(even)),
      },
      {
        key: 'prv_odd',
        requests: 20,
        errors: 0,
        inputTokens: odd.reduce((n, _, k) => n + 2 * k + 1, 0),
        outputTokens: odd.reduce((n, _, k) => n + 2 * (2 * k + 1), 0),
        costUsd: 0.2,
        avgLatencyMs: round2(odd.reduce((a, b) => a + b, 0) / 20),
        p95LatencyMs: round2(p95(odd)),
      },
    ]);
  });

  it('groups by model, agent and UTC day, defaulting to the current UTC month', async () => {
    const keys = async (groupBy: 'model' | 'agent' | 'day') => value(await query(groupBy)).data.map((row) => [row.key, row.requests]);
    expect(await keys('model')).toEqual([['large', 20], ['small', 20]]);
    expect(await keys('agent')).toEqual([0, 1, 2, 3, 4].map((i) => [`agt_${i}`, 8]));
    expect(await keys('day')).toEqual([['2025-06-01', 14], ['2025-06-02', 13], ['2025-06-03', 13]]);
    const may = value(await query('day', { from: '2025-05-01', to: '2025-06-02' })).data;
    expect(may.map((row) => [row.key, row.requests, row.p95LatencyMs])).toEqual([['2025-05-31', 1, 9999], ['2025-06-01', 14, expect.any(Number)]]);
  });

  it('refuses bad windows and readers outside the tenant roles', async () => {
    const code = async (reply: Promise<{ ok: boolean; error?: { code: string; message: string } }>) => {
      const result = await reply;
      return result.ok ? 'ok' : `${result.error?.code}: ${result.error?.message}`;
    };
    expect(await code(query('day', { from: '2025-06-02', to: '2025-06-02' }))).toMatch(/^validation_failed: to .* must be after from/);
    expect(await code(query('day', { from: '2024-01-01', to: '2025-06-01' }))).toMatch(/^validation_failed: .*366 days/);
    expect(await code(query('day', { from: '2025-02-30' }))).toMatch(/^validation_failed/);
    expect(await code(stack.bus.send(UsageOps.query, { actor: reader, groupBy: 'week' as 'day' }))).toMatch(/^validation_failed/);
    const agent: Actor = { tenantId, keyId: 'key_agent', role: 'agent', agentId: 'agt_0' };
    expect(await code(query('day', {}, agent))).toMatch(/^forbidden/);
    const operator: Actor = { tenantId: null, keyId: 'key_op', role: 'operator', agentId: null };
    expect(await code(stack.bus.send(UsageOps.agentStats, { actor: operator, agentId: 'agt_0' }))).toMatch(/^forbidden/);
  });

  it('answers agent stats over all the agent’s calls, and zeros before its first call', async () => {
    const mine = latencies.filter((_, i) => i % 5 === 0);
    expect(value(await stack.bus.send(UsageOps.agentStats, { actor: reader, agentId: 'agt_0' }))).toEqual({
      totalTokens: mine.reduce((n, _, k) => n + 3 * 5 * k, 0),
      inputTokens: mine.reduce((n, _, k) => n + 5 * k, 0),
      outputTokens: mine.reduce((n, _, k) => n + 10 * k, 0),
      costUsd: 0.08,
      requests: 8,
      errors: 4,
      avgLatencyMs: round2(mine.reduce((a, b) => a + b, 0) / 8),
      p95LatencyMs: round2(p95(mine)),
      lastRequestAt: '2025-06-03T08:00:00.000Z',
    });
    expect(value(await stack.bus.send(UsageOps.agentStats, { actor: reader, agentId: 'agt_never' }))).toEqual({
      totalTokens: 0,
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
      requests: 0,
      errors: 0,
      avgLatencyMs: null,
      p95LatencyMs: null,
      lastRequestAt: null,
    });
  });

  it('answers health over NATS with the Postgres probe', async () => {
    expect(await stack.bus.send(serviceHealth('usage'), {})).toEqual({ ok: true, value: { postgres: true } });
  });
});
