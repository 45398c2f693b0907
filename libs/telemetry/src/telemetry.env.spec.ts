import { ROOT_CONTEXT, context, trace, TraceFlags } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { currentServiceName, startTelemetry, type Telemetry } from './telemetry.sdk.js';
import { withSpan } from './span.tracing.js';

/** The SDK registers its globals once per process (per spec file here), so one start covers the variables it reads. */
describe('startTelemetry honours the standard OTEL_* variables', () => {
  const exporter = new InMemorySpanExporter();
  const processor = new SimpleSpanProcessor(exporter);
  let telemetry: Telemetry;
  const saved = { ...process.env };

  beforeAll(() => {
    process.env['OTEL_SERVICE_NAME'] = 'edge-eu-1';
    process.env['OTEL_RESOURCE_ATTRIBUTES'] = 'deployment.environment=spec';
    process.env['OTEL_TRACES_SAMPLER'] = 'parentbased_traceidratio';
    process.env['OTEL_TRACES_SAMPLER_ARG'] = '0';
    telemetry = startTelemetry('gateway', { spanProcessors: [processor] });
  });
  afterAll(async () => {
    await telemetry.shutdown();
    process.env = saved;
  });

  it('samples as OTEL_TRACES_SAMPLER says: no new root at ratio 0, a sampled remote parent kept', async () => {
    await withSpan('root', {}, async () => undefined);
    const parent = trace.setSpanContext(ROOT_CONTEXT, { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED, isRemote: true });
    await context.with(parent, () => withSpan('continued', {}, async () => undefined));
    await processor.forceFlush();
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['continued']);
  });

  it('names the service from OTEL_SERVICE_NAME over the code, and adds OTEL_RESOURCE_ATTRIBUTES', async () => {
    await processor.forceFlush();
    const [span] = exporter.getFinishedSpans();
    expect(span?.resource.attributes['service.name']).toBe('edge-eu-1');
    expect(span?.resource.attributes['deployment.environment']).toBe('spec');
    expect(currentServiceName()).toBe('edge-eu-1');
  });
});
