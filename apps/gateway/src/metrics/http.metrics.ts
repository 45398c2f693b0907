import { Registry } from 'prom-client';
import { LATENCY_BUCKETS_SECONDS, collectProcessMetrics, processRegistry } from '@switchboard/telemetry';
import { HistogramFamily, type HistogramChild } from './metric.families.js';
import { ProxyMetrics } from './proxy.metrics.js';

/** Route label for requests no route matched: one series instead of one per probed URL. */
export const UNMATCHED_ROUTE = 'unmatched';

export interface HttpMetricsOptions {
  /** Provider/model label pairs kept apart before further pairs are counted under `other` (ProxyMetrics). */
  readonly maxModelSeries?: number;
}

/**
 * The gateway's metrics. HTTP and proxy metrics sit in one registry per gateway instance (not prom-client's global
 * one), so two gateways in one process (tests) never count each other's calls; a scrape renders it followed by the
 * process registry (Node's process metrics and the libraries' metrics).
 */
export class HttpMetrics {
  readonly registry = new Registry();
  readonly proxy: ProxyMetrics;
  private readonly duration: HistogramFamily<'method' | 'route' | 'status_code'>;
  /** Label sets seen so far → their series. */
  private readonly series = new Map<string, HistogramChild>();

  constructor(options: HttpMetricsOptions = {}) {
    collectProcessMetrics();
    this.duration = new HistogramFamily(
      'switchboard_http_server_request_duration_seconds',
      'HTTP request duration at the gateway by method, route template and status',
      this.registry,
      LATENCY_BUCKETS_SECONDS,
    );
    this.proxy = new ProxyMetrics(this.registry, options.maxModelSeries);
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let series = this.series.get(key);
    if (series === undefined) {
      series = this.duration.child({ method, route, status_code: String(status) });
      this.series.set(key, series);
    }
    series.observe(seconds);
  }

  async render(): Promise<string> {
    const [own, shared] = await Promise.all([this.registry.metrics(), processRegistry.metrics()]);
    return `${own}\n${shared}`;
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
