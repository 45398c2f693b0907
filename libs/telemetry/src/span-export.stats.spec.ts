import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { BasicTracerProvider, BatchSpanProcessor, type BufferConfig, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { MeterProvider } from '@opentelemetry/api';
import { droppedSpans, spanExportMeterProvider, spanExportStats } from './span-export.stats.js';

/** A collector that never answers (until shut down), or refuses everything. */
class ControlledExporter implements SpanExporter {
  private readonly pending: Array<(result: ExportResult) => void> = [];
  constructor(private readonly refuse: boolean) {}
  export(_spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    if (this.refuse) done({ code: ExportResultCode.FAILED, error: new Error('connect ECONNREFUSED') });
    else this.pending.push(done);
  }
  async shutdown(): Promise<void> {
    for (const done of this.pending.splice(0)) done({ code: ExportResultCode.FAILED, error: new Error('shut down') });
  }
}

/** The options startTelemetry gives its processor, with a small queue. */
const config = (maxQueueSize: number): BufferConfig & { selfObsMeterProvider: MeterProvider } => ({
  maxQueueSize,
  maxExportBatchSize: 2,
  scheduledDelayMillis: 10_000,
  exportTimeoutMillis: 50,
  selfObsMeterProvider: spanExportMeterProvider,
});

function pipeline(exporter: SpanExporter, maxQueueSize: number) {
  const processor = new BatchSpanProcessor(exporter, config(maxQueueSize));
  const provider = new BasicTracerProvider({ spanProcessors: [processor] });
  const tracer = provider.getTracer('stats-spec');
  return { processor, provider, end: (n: number) => Array.from({ length: n }, (_, i) => tracer.startSpan(`op ${i}`).end()) };
}

describe('span export never waits and counts what it drops', () => {
  it('drops spans past a full queue while the collector hangs, without waiting for it', async () => {
    const before = spanExportStats();
    const hung = new ControlledExporter(false);
    const { provider, end } = pipeline(hung, 4);
    const started = performance.now();
    end(50);
    // Ending a span only appends it to the queue: 50 of them take far less than one export timeout.
    expect(performance.now() - started).toBeLessThan(50);
    const after = spanExportStats();
    expect(after.queueFull - before.queueFull).toBeGreaterThanOrEqual(40);
    expect(droppedSpans()).toBe(after.queueFull + after.exportFailed);
    // The exports the processor gave up waiting for count once the exporter ends them (its own timeout, here shutdown).
    await hung.shutdown();
    expect(spanExportStats().exportFailed).toBeGreaterThan(before.exportFailed);
    await provider.shutdown().catch(() => undefined);
  });

  it('counts the spans of an export the collector refused, and those it accepted', async () => {
    const before = spanExportStats();
    const refused = pipeline(new ControlledExporter(true), 100);
    refused.end(3);
    await refused.processor.forceFlush().catch(() => undefined);
    expect(spanExportStats().exportFailed - before.exportFailed).toBe(3);
    await refused.provider.shutdown().catch(() => undefined);

    const accepting: SpanExporter = { export: (_spans, done) => done({ code: ExportResultCode.SUCCESS }), shutdown: async () => undefined };
    const accepted = pipeline(accepting, 100);
    accepted.end(5);
    await accepted.processor.forceFlush();
    expect(spanExportStats().exported - before.exported).toBe(5);
    expect(spanExportStats().dropped).toBe(droppedSpans());
    await accepted.provider.shutdown();
  });
});
