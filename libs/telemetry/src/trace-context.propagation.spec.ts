import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startTelemetry } from './telemetry.sdk.js';
import type { Telemetry } from './telemetry.sdk.js';
import { withSpan } from './span.tracing.js';
import { contextFromHeaders, traceHeaders } from './trace-context.propagation.js';

describe('trace context propagation', () => {
  const exporter = new InMemorySpanExporter();
  const processor = new SimpleSpanProcessor(exporter);
  // Export waits for the asynchronously detected resource attributes; flushing makes finished spans visible.
  const finishedSpans = async () => {
    await processor.forceFlush();
    return exporter.getFinishedSpans();
  };
  let telemetry: Telemetry;

  beforeAll(() => {
    telemetry = startTelemetry('telemetry-spec', { spanProcessors: [processor] });
  });
  afterAll(() => telemetry.shutdown());
  beforeEach(() => exporter.reset());

  it('round-trips a span through traceHeaders and contextFromHeaders', async () => {
    let sent: Record<string, string> = {};
    await withSpan('client', { kind: SpanKind.CLIENT }, async () => {
      sent = traceHeaders();
    });
    expect(sent['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    const remote = contextFromHeaders((name) => sent[name]);
    await context.with(remote, () => withSpan('server', { kind: SpanKind.SERVER }, async () => undefined));

    const [client, server] = await finishedSpans();
    expect(server?.spanContext().traceId).toBe(client?.spanContext().traceId);
    expect(server?.parentSpanContext?.spanId).toBe(client?.spanContext().spanId);
    expect(server?.resource.attributes['service.name']).toBe('telemetry-spec');
  });

  it('yields no traceparent outside a span and a root context from missing headers', () => {
    expect(traceHeaders()).toEqual({});
    expect(trace.getSpanContext(contextFromHeaders(() => undefined))).toBeUndefined();
    expect(trace.getSpanContext(contextFromHeaders(() => 'garbage'))).toBeUndefined();
  });

  it('records a redacted exception, marks the span ERROR and always ends it', async () => {
    await expect(
      withSpan('failing', {}, async () => {
        throw new Error('rejected key sk-abcdefgh12345678');
      }),
    ).rejects.toThrow('rejected key');
    const [span] = await finishedSpans();
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(JSON.stringify(span?.events)).not.toContain('sk-abcdefgh12345678');
    expect(span?.events[0]?.attributes?.['exception.message']).toBe('rejected key [REDACTED]');
  });

  it('keeps the active span across awaits (AsyncLocalStorage context manager)', async () => {
    const seen = await withSpan('outer', {}, async (span) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return trace.getActiveSpan()?.spanContext().spanId === span.spanContext().spanId;
    });
    expect(seen).toBe(true);
  });
});
