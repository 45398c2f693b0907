// What the observability added to each proxied call costs in CPU, measured in-process on the built code (after
// `npm run build`): `node test/bench/metrics.bench.mjs`. Per call the gateway now does ProxyMetrics.record (a cached
// label lookup, up to five counter increments, one or two histogram observations) and writes one access-log line
// (redaction, JSON.stringify, a write). Prints ns per call for each, the log line both to a discarding writer and to
// stdout redirected by the caller (run with `> /dev/null`, or to a pipe, to see the write's own cost).
// Env: BENCH_N (calls per measurement, default 200000).
import { Registry } from 'prom-client';
import { createLogger } from '@switchboard/telemetry';
import { ProxyMetrics } from '../../apps/gateway/dist/metrics/proxy.metrics.js';

const N = Number(process.env.BENCH_N ?? 200_000);

const event = {
  requestId: 'req_00000000000000000000',
  agentId: 'agt_00000000000000000000',
  providerId: 'prv_00000000000000000000',
  model: 'gpt-4o-mini',
  protocol: 'openai_chat',
  stream: false,
  status: 200,
  inputTokens: 120,
  outputTokens: 16,
  cachedTokens: 0,
  usageSource: 'upstream',
  costUsd: 0.0000276,
  latencyMs: 1.8,
  ttfbMs: 1.2,
};

function measure(name, fn) {
  for (let i = 0; i < N / 10; i++) fn(i);
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) fn(i);
  const ns = Number(process.hrtime.bigint() - start) / N;
  process.stderr.write(`${name.padEnd(48)} ${ns.toFixed(0).padStart(6)} ns/call\n`);
}

const metrics = new ProxyMetrics(new Registry());
measure('ProxyMetrics.record (one provider/model)', () => metrics.record(event, null));
const models = Array.from({ length: 50 }, (_, i) => ({ ...event, model: `model-${i}` }));
measure('ProxyMetrics.record (50 pairs, rotating)', (i) => metrics.record(models[i % 50], null));

const fields = (i) => ({ method: 'POST', route: '/v1/chat/completions', status: 200, duration_ms: 1.834, tenant_id: 'ten_00000000000000000000', request_id: `req_${i}` });
const discard = createLogger('gateway', { level: 'info', write: () => undefined });
measure('access line, discarding writer', (i) => discard.info('http request', fields(i)));
const stdout = createLogger('gateway', { level: 'info' });
measure('access line, written to stdout', (i) => stdout.info('http request', fields(i)));
const off = createLogger('gateway', { level: 'warn', write: () => undefined });
measure('access line below LOG_LEVEL (skipped)', (i) => off.info('http request', fields(i)));
