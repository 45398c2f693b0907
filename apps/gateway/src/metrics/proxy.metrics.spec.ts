import { Registry } from 'prom-client';
import type { UsageRecorded } from '@switchboard/contracts';
import { ProxyMetrics } from './proxy.metrics.js';

const event = (over: Partial<UsageRecorded> = {}): UsageRecorded => ({
  requestId: 'req_00000000000000000000',
  agentId: 'agt_1',
  providerId: 'prv_1',
  model: 'fast',
  protocol: 'openai_chat',
  stream: false,
  status: 200,
  inputTokens: 10,
  outputTokens: 5,
  cachedTokens: 2,
  usageSource: 'upstream',
  costUsd: 0.000123,
  latencyMs: 250,
  ttfbMs: 100,
  ...over,
});

async function values(registry: Registry, name: string): Promise<Array<{ labels: Record<string, string | number>; value: number }>> {
  const metric = registry.getSingleMetric(name);
  return ((await metric?.get())?.values ?? []) as Array<{ labels: Record<string, string | number>; value: number }>;
}

describe('ProxyMetrics', () => {
  it('counts each usage event: calls, tokens and cost from its own figures, errors and refusals by kind', async () => {
    const registry = new Registry();
    const metrics = new ProxyMetrics(registry);
    metrics.record(event(), null);
    metrics.record(event({ stream: true, inputTokens: 1, outputTokens: 1, cachedTokens: 0, costUsd: 0.000001 }), 40);
    metrics.record(event({ status: 429, errorKind: 'rate_limited', inputTokens: 0, outputTokens: 0, cachedTokens: 0, costUsd: 0 }), null);
    const pair = { provider: 'prv_1', model: 'fast' };
    expect(await values(registry, 'switchboard_proxy_calls_total')).toEqual([
      { labels: { ...pair, status_class: '2xx' }, value: 2 },
      { labels: { ...pair, status_class: '4xx' }, value: 1 },
    ]);
    expect(await values(registry, 'switchboard_proxy_tokens_total')).toEqual([
      { labels: { ...pair, type: 'input' }, value: 11 },
      { labels: { ...pair, type: 'output' }, value: 6 },
      { labels: { ...pair, type: 'cached' }, value: 2 },
    ]);
    expect((await values(registry, 'switchboard_proxy_cost_usd_total'))[0]?.value).toBeCloseTo(0.000124, 12);
    expect(await values(registry, 'switchboard_proxy_refusals_total')).toEqual([{ labels: { ...pair, reason: 'rate_limited' }, value: 1 }]);
    expect(await values(registry, 'switchboard_proxy_errors_total')).toEqual([{ labels: { ...pair, error_kind: 'rate_limited' }, value: 1 }]);
    const firstToken = await values(registry, 'switchboard_proxy_time_to_first_token_seconds');
    expect(firstToken.find((v) => v.labels['le'] === 0.05)?.value).toBe(1);
  });

  it('keeps at most the configured provider/model pairs apart and counts the rest under other', async () => {
    const registry = new Registry();
    const metrics = new ProxyMetrics(registry, 2);
    for (const model of ['a', 'b', 'c', 'd']) metrics.record(event({ model }), null);
    const calls = await values(registry, 'switchboard_proxy_calls_total');
    expect(calls.map((v) => [v.labels['model'], v.value])).toEqual([
      ['a', 1],
      ['b', 1],
      ['other', 2],
    ]);
    expect(calls.at(-1)?.labels['provider']).toBe('other');
  });
});
