import { Counter, Gauge, Histogram, collectDefaultMetrics, register, type Registry } from 'prom-client';

/**
 * Metrics of the libraries (bus operations, outbox, projections, consumers, KMS) live in prom-client's process-wide
 * registry: one process runs one service, and a library's second instance in the same process (tests) shares its
 * series rather than failing on a duplicate name. The gateway keeps its HTTP and proxy metrics in a registry of its own
 * per instance, and renders both.
 */
export const processRegistry: Registry = register;

let defaultsCollected = false;

/** Node's process metrics (CPU, memory, event-loop lag, GC), registered once per process. */
export function collectProcessMetrics(): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  collectDefaultMetrics({ register: processRegistry });
}

/** Seconds buckets from 0.5 ms to 30 s: bus operations, HTTP requests, KMS calls. */
export const LATENCY_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

interface MetricSpec<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
}

function existing<T>(name: string): T | undefined {
  return processRegistry.getSingleMetric(name) as T | undefined;
}

/** `collect` runs on every scrape: for totals kept elsewhere (a connection's own counts), set there by reset() and inc(). */
export function processCounter<L extends string>(spec: MetricSpec<L> & { readonly collect?: (this: Counter<L>) => void | Promise<void> }): Counter<L> {
  return existing<Counter<L>>(spec.name) ?? new Counter({ ...spec, labelNames: [...spec.labelNames], registers: [processRegistry] });
}

export function processHistogram<L extends string>(spec: MetricSpec<L> & { readonly buckets?: readonly number[] }): Histogram<L> {
  const buckets = [...(spec.buckets ?? LATENCY_BUCKETS_SECONDS)];
  return existing<Histogram<L>>(spec.name) ?? new Histogram({ ...spec, labelNames: [...spec.labelNames], buckets, registers: [processRegistry] });
}

/** `collect` runs on every scrape (it may be async: a query for the current value). */
export function processGauge<L extends string>(spec: MetricSpec<L> & { readonly collect?: (this: Gauge<L>) => void | Promise<void> }): Gauge<L> {
  return existing<Gauge<L>>(spec.name) ?? new Gauge({ ...spec, labelNames: [...spec.labelNames], registers: [processRegistry] });
}
