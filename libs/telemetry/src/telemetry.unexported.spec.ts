import { ROOT_CONTEXT, context, propagation, trace } from '@opentelemetry/api';
import { startTelemetry, type Telemetry } from './telemetry.sdk.js';
import { withSpan } from './span.tracing.js';

const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';

/** What a span's trace looks like from outside: whether it records, its ids, and the traceparent it passes on. */
async function observe(name: string): Promise<{ recording: boolean; traceId: string; spanId: string; traceparent: string | undefined }> {
  return withSpan(name, {}, async (span) => {
    const carrier: Record<string, string> = {};
    propagation.inject(context.active(), carrier);
    return { recording: span.isRecording(), traceId: span.spanContext().traceId, spanId: span.spanContext().spanId, traceparent: carrier['traceparent'] };
  });
}

describe('a service whose spans nothing exports (no OTLP endpoint, no sampler chosen)', () => {
  let telemetry: Telemetry;

  beforeAll(() => {
    telemetry = startTelemetry('unexported-spec', { env: {} });
  });
  afterAll(() => telemetry.shutdown());

  it('records none of the traces it starts, yet gives each ids and passes them on unsampled', async () => {
    const seen = await observe('root');
    expect(seen.recording).toBe(false);
    expect(seen.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(seen.traceId).not.toBe('0'.repeat(32));
    expect(seen.traceparent).toBe(`00-${seen.traceId}-${seen.spanId}-00`);
    expect((await observe('another')).traceId).not.toBe(seen.traceId);
  });

  it("records a caller's sampled trace and passes its sampled flag on", async () => {
    const parent = propagation.extract(ROOT_CONTEXT, { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` });
    const seen = await context.with(parent, () => observe('child'));
    expect(seen.recording).toBe(true);
    expect(seen.traceId).toBe(CALLER_TRACE);
    expect(seen.traceparent).toBe(`00-${CALLER_TRACE}-${seen.spanId}-01`);
  });

  it("keeps a caller's unsampled trace unrecorded, under the caller's trace id", async () => {
    const parent = propagation.extract(ROOT_CONTEXT, { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-00` });
    const seen = await context.with(parent, () => observe('child'));
    expect(seen.recording).toBe(false);
    expect(seen.spanId).not.toBe(CALLER_SPAN);
    expect(seen.traceparent).toBe(`00-${CALLER_TRACE}-${seen.spanId}-00`);
  });

  it('makes no span under one of its own it did not record: what runs there names that span', async () => {
    const [outer, inner] = await withSpan('outer', {}, async (span) => [span.spanContext(), await observe('inner')] as const);
    expect(inner.recording).toBe(false);
    expect(inner.traceId).toBe(outer.traceId);
    expect(inner.spanId).toBe(outer.spanId);
    expect(inner.traceparent).toBe(`00-${outer.traceId}-${outer.spanId}-00`);
  });

  it('rejects, not throws, when what runs under such a span throws at once', async () => {
    const thrown = new Error('refused before any await');
    const outcome = await withSpan('outer', {}, async () => {
      let returned: Promise<unknown> | undefined;
      expect(() => {
        returned = withSpan('inner', {}, () => {
          throw thrown;
        });
      }).not.toThrow();
      return returned?.then(
        () => 'resolved',
        (error: unknown) => error,
      );
    });
    expect(outcome).toBe(thrown);
  });

  it("still makes each span of a caller's sampled trace, nested or not", async () => {
    const parent = propagation.extract(ROOT_CONTEXT, { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` });
    const [outer, inner] = await context.with(parent, () => withSpan('outer', {}, async (span) => [span.spanContext(), await observe('inner')] as const));
    expect(inner.recording).toBe(true);
    expect(inner.traceId).toBe(CALLER_TRACE);
    expect(inner.spanId).not.toBe(outer.spanId);
    expect(inner.traceparent).toBe(`00-${CALLER_TRACE}-${inner.spanId}-01`);
  });

  it('still makes the span of work done under a sampled span after that span ended', async () => {
    const parent = propagation.extract(ROOT_CONTEXT, { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` });
    const ended = await context.with(parent, () => withSpan('call', {}, async () => context.active()));
    const late = await context.with(ended, () => observe('after the call'));
    expect(late.recording).toBe(true);
    expect(late.spanId).not.toBe(trace.getSpan(ended)?.spanContext().spanId);
    expect(late.traceparent).toBe(`00-${CALLER_TRACE}-${late.spanId}-01`);
  });
});
