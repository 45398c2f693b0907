import { Histogram, Registry, collectDefaultMetrics } from 'prom-client';

type DurationSeries = ReturnType<Histogram<'method' | 'route' | 'status_code'>['labels']>;

/** Route label for requests no route matched: one series instead of one per probed URL. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * One registry per gateway instance (not prom-client's global one), so two gateways in one process
 * (tests) never collide on metric names.
 */
export class HttpMetrics {
  readonly registry = new Registry();
  private readonly duration: Histogram<'method' | 'route' | 'status_code'>;
  /** Label sets seen so far → their series: prom-client hashes the labels on every labels() call otherwise. */
  private readonly series = new Map<string, DurationSeries>();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by method, route template and status',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let series = this.series.get(key);
    if (series === undefined) {
      series = this.duration.labels(method, route, String(status));
      this.series.set(key, series);
    }
    series.observe(seconds);
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
