import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startTelemetry, type Telemetry } from './telemetry.sdk.js';
import { withSpan } from './span.tracing.js';

describe('OTEL_SDK_DISABLED', () => {
  const exporter = new InMemorySpanExporter();
  let telemetry: Telemetry;
  const saved = process.env['OTEL_SDK_DISABLED'];

  beforeAll(() => {
    process.env['OTEL_SDK_DISABLED'] = 'true';
    telemetry = startTelemetry('gateway', { spanProcessors: [new SimpleSpanProcessor(exporter)] });
  });
  afterAll(async () => {
    await telemetry.shutdown();
    if (saved === undefined) delete process.env['OTEL_SDK_DISABLED'];
    else process.env['OTEL_SDK_DISABLED'] = saved;
  });

  it('records no span at all', async () => {
    expect(await withSpan('disabled', {}, async (span) => span.isRecording())).toBe(false);
    expect(exporter.getFinishedSpans()).toHaveLength(0);
  });
});
