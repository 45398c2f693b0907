import type { Registry } from 'prom-client';
import type { UsageRecorded } from '@switchboard/contracts';
import { CounterFamily, HistogramFamily, type CounterChild, type HistogramChild } from './metric.families.js';

/** Provider/model pairs beyond the cap are counted under this value for both labels. */
export const OVERFLOW_LABEL = 'other';
export const DEFAULT_MAX_MODEL_SERIES = 1_000;

/** Answers that were refused before any upstream call, by the gateway's own limits. */
const REFUSALS = new Set(['rate_limited', 'budget_exceeded']);

const CALL_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/** The label children of one provider/model pair, built once, so a call costs no label hashing. */
class ModelSeries {
  private readonly calls = new Map<string, CounterChild>();
  private readonly errors = new Map<string, CounterChild>();
  private readonly refusals = new Map<string, CounterChild>();
  readonly inputTokens: CounterChild;
  readonly outputTokens: CounterChild;
  readonly cachedTokens: CounterChild;
  readonly cost: CounterChild;
  readonly duration: HistogramChild;
  readonly firstToken: HistogramChild;

  constructor(
    private readonly m: ProxyMetrics,
    private readonly provider: string,
    private readonly model: string,
  ) {
    this.inputTokens = m.tokens.child({ provider, model, type: 'input' });
    this.outputTokens = m.tokens.child({ provider, model, type: 'output' });
    this.cachedTokens = m.tokens.child({ provider, model, type: 'cached' });
    this.cost = m.cost.child({ provider, model });
    this.duration = m.duration.child({ provider, model });
    this.firstToken = m.firstToken.child({ provider, model });
  }

  call(statusClass: string): CounterChild {
    return cached(this.calls, statusClass, () => this.m.calls.child({ provider: this.provider, model: this.model, status_class: statusClass }));
  }

  error(kind: string): CounterChild {
    return cached(this.errors, kind, () => this.m.errors.child({ provider: this.provider, model: this.model, error_kind: kind }));
  }

  refusal(reason: string): CounterChild {
    return cached(this.refusals, reason, () => this.m.refusals.child({ provider: this.provider, model: this.model, reason }));
  }
}

function cached<T>(map: Map<string, T>, key: string, make: () => T): T {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

/**
 * Per provider and model: calls, errors, refusals, tokens, cost, duration and time to first token, all taken from the
 * call's `usage.recorded` event as it is queued, so the token and cost counters add up to what /v1/usage reports for
 * the same calls. Labels are the provider id and the registered model name, never the tenant; since tenants create
 * providers and models, at most `maxSeries` pairs are kept apart (per gateway process), later ones go under `other`.
 */
export class ProxyMetrics {
  readonly calls: CounterFamily<'provider' | 'model' | 'status_class'>;
  readonly errors: CounterFamily<'provider' | 'model' | 'error_kind'>;
  readonly refusals: CounterFamily<'provider' | 'model' | 'reason'>;
  readonly tokens: CounterFamily<'provider' | 'model' | 'type'>;
  readonly cost: CounterFamily<'provider' | 'model'>;
  readonly duration: HistogramFamily<'provider' | 'model'>;
  readonly firstToken: HistogramFamily<'provider' | 'model'>;
  private readonly pairs = new Map<string, ModelSeries>();

  constructor(
    registry: Registry,
    private readonly maxSeries = DEFAULT_MAX_MODEL_SERIES,
  ) {
    this.calls = new CounterFamily('switchboard_proxy_calls_total', 'Proxied LLM calls by provider, model and status class (2xx, 4xx, 5xx; 499: client left)', registry);
    this.errors = new CounterFamily('switchboard_proxy_errors_total', 'Proxied calls that failed, by provider, model and error kind', registry);
    this.refusals = new CounterFamily('switchboard_proxy_refusals_total', 'Calls refused by the provider RPM limit (rate_limited) or a budget (budget_exceeded)', registry);
    this.tokens = new CounterFamily('switchboard_proxy_tokens_total', 'Tokens of proxied calls as recorded in usage.recorded, by provider, model and type (input, output, cached)', registry);
    this.cost = new CounterFamily('switchboard_proxy_cost_usd_total', 'Cost in USD of proxied calls as recorded in usage.recorded (priced models only), by provider and model', registry);
    this.duration = new HistogramFamily('switchboard_proxy_call_duration_seconds', 'Duration of proxied calls, request to last byte, by provider and model', registry, CALL_BUCKETS_SECONDS);
    this.firstToken = new HistogramFamily('switchboard_proxy_time_to_first_token_seconds', 'Streamed calls: time from the request to the first streamed chunk from the upstream, by provider and model', registry, CALL_BUCKETS_SECONDS);
  }

  /** `firstChunkMs`: a streamed call's first chunk, in the request's elapsed milliseconds (null when none arrived). */
  record(event: UsageRecorded, firstChunkMs: number | null): void {
    const series = this.seriesOf(event.providerId, event.model);
    series.call(statusClassOf(event.status)).inc();
    if (event.errorKind !== undefined) {
      series.error(event.errorKind).inc();
      if (REFUSALS.has(event.errorKind)) series.refusal(event.errorKind).inc();
    }
    if (event.inputTokens > 0) series.inputTokens.inc(event.inputTokens);
    if (event.outputTokens > 0) series.outputTokens.inc(event.outputTokens);
    if (event.cachedTokens > 0) series.cachedTokens.inc(event.cachedTokens);
    if (event.costUsd !== undefined && event.costUsd > 0) series.cost.inc(event.costUsd);
    series.duration.observe(event.latencyMs / 1000);
    if (event.stream && firstChunkMs !== null) series.firstToken.observe(firstChunkMs / 1000);
  }

  private seriesOf(provider: string, model: string): ModelSeries {
    const key = `${provider}\u0000${model}`;
    const known = this.pairs.get(key);
    if (known !== undefined) return known;
    if (this.pairs.size >= this.maxSeries) return cached(this.pairs, OVERFLOW_LABEL, () => new ModelSeries(this, OVERFLOW_LABEL, OVERFLOW_LABEL));
    const series = new ModelSeries(this, provider, model);
    this.pairs.set(key, series);
    return series;
  }
}

function statusClassOf(status: number): string {
  if (status === 499) return '499';
  return `${Math.floor(status / 100)}xx`;
}
