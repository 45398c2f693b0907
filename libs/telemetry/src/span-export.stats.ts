import { createNoopMeter, type Attributes, type Counter, type Meter, type MeterProvider } from '@opentelemetry/api';

/** The SDK's self-observability counter of spans a processor finished with, `error.type` saying why one failed. */
const PROCESSED_SPANS = 'otel.sdk.processor.span.processed';
const QUEUE_FULL = 'queue_full';

export interface SpanExportStats {
  /** Spans the collector accepted. */
  readonly exported: number;
  /** Spans never exported: the queue was full, or their export failed or timed out. */
  readonly dropped: number;
  /** Of those, dropped at the end of a span because the queue was full (the collector is slower than the services). */
  readonly queueFull: number;
  /** Of those, in an export that failed (refused, timed out, rejected). */
  readonly exportFailed: number;
}

const counts = { exported: 0, queueFull: 0, exportFailed: 0 };

const processed: Counter = {
  add(value: number, attributes?: Attributes): void {
    const error = attributes?.['error.type'];
    if (error === undefined) counts.exported += value;
    else if (error === QUEUE_FULL) counts.queueFull += value;
    else counts.exportFailed += value;
  },
};

/**
 * Handed to the BatchSpanProcessor as its self-observability meter provider: it keeps the one counter that says
 * what became of each span in memory (an addition, no I/O) and leaves every other instrument a no-op. The metrics
 * endpoint reads the result through spanExportStats().
 */
export const spanExportMeterProvider: MeterProvider = {
  getMeter(): Meter {
    const noop = createNoopMeter();
    const meter = Object.create(noop) as Meter;
    meter.createCounter = ((name: string, options?: object) => (name === PROCESSED_SPANS ? processed : noop.createCounter(name, options))) as Meter['createCounter'];
    return meter;
  },
};

/** Cumulative since the process started: what the span exporter has done with the spans it was given. */
export function spanExportStats(): SpanExportStats {
  return { ...counts, dropped: counts.queueFull + counts.exportFailed };
}

/** Spans that never reached the collector, since the process started. */
export function droppedSpans(): number {
  return counts.queueFull + counts.exportFailed;
}
