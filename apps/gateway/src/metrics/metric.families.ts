import type { Metric, Registry } from 'prom-client';

/**
 * Counter and histogram families for the proxy's per-call metrics, kept as plain numbers and turned into Prometheus
 * samples only when scraped. prom-client hashes a sample's labels on every inc/observe, even through a child from
 * labels(): a few microseconds per proxied call for the handful of series each call touches. Here a call adds to fields
 * of children it already holds, and the scrape pays for the formatting.
 */
type Labels<L extends string> = Readonly<Record<L, string>>;

interface Sample {
  readonly labels: Record<string, string | number>;
  readonly value: number;
  readonly metricName?: string;
}

export class CounterChild {
  value = 0;

  inc(by = 1): void {
    this.value += by;
  }
}

export class HistogramChild {
  /** Per bucket (not cumulative): observations up to that bound and above the previous one; the last is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > (this.bounds[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += value;
    this.count++;
  }
}

abstract class Family<L extends string, C> {
  protected readonly children: Array<{ readonly labels: Labels<L>; readonly child: C }> = [];
  abstract readonly type: 'counter' | 'histogram';
  readonly aggregator = 'sum';

  constructor(
    readonly name: string,
    readonly help: string,
    registry: Registry,
  ) {
    // The registry formats whatever get() answers: these families speak prom-client's metric shape without its classes.
    registry.registerMetric(this as unknown as Metric);
  }

  /** A new child for these label values; the caller keeps it (asking twice makes two series with the same labels). */
  child(labels: Labels<L>): C {
    const child = this.create();
    this.children.push({ labels, child });
    return child;
  }

  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Sample[] }> {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.samples() };
  }

  /** Zeroes every series (prom-client's Registry.resetMetrics); children stay valid. */
  reset(): void {
    for (const { child } of this.children) this.zero(child);
  }

  protected abstract create(): C;
  protected abstract zero(child: C): void;
  protected abstract samples(): Sample[];
}

export class CounterFamily<L extends string> extends Family<L, CounterChild> {
  readonly type = 'counter';

  protected create(): CounterChild {
    return new CounterChild();
  }

  protected zero(child: CounterChild): void {
    child.value = 0;
  }

  protected samples(): Sample[] {
    return this.children.map(({ labels, child }) => ({ labels: { ...labels }, value: child.value }));
  }
}

export class HistogramFamily<L extends string> extends Family<L, HistogramChild> {
  readonly type = 'histogram';

  constructor(
    name: string,
    help: string,
    registry: Registry,
    private readonly bounds: readonly number[],
  ) {
    super(name, help, registry);
  }

  protected create(): HistogramChild {
    return new HistogramChild(this.bounds);
  }

  protected zero(child: HistogramChild): void {
    child.counts.fill(0);
    child.sum = 0;
    child.count = 0;
  }

  protected samples(): Sample[] {
    const out: Sample[] = [];
    for (const { labels, child } of this.children) {
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += child.counts[i] as number;
        out.push({ labels: { ...labels, le: bound }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      out.push({ labels: { ...labels, le: '+Inf' }, value: child.count, metricName: `${this.name}_bucket` });
      out.push({ labels: { ...labels }, value: child.sum, metricName: `${this.name}_sum` });
      out.push({ labels: { ...labels }, value: child.count, metricName: `${this.name}_count` });
    }
    return out;
  }
}
