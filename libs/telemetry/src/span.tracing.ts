import { SpanStatusCode, TraceFlags, context, isSpanContextValid, trace } from '@opentelemetry/api';
import type { Attributes, Context, Span, SpanKind, Tracer } from '@opentelemetry/api';
import { redactString } from './log.redaction.js';

/**
 * Resolved through the global ProxyTracerProvider, so spans created before startTelemetry() (module
 * initialisation) still reach the SDK once it is registered.
 */
export const tracer: Tracer = trace.getTracer('switchboard');

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
}

/**
 * Runs fn with a new active span. A thrown error is recorded (redacted: exception messages often quote the
 * input that caused them) and marks the span ERROR before it is rethrown; the span always ends.
 */
export function withSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  const unrecorded = unrecordedLocalSpan();
  if (unrecorded !== undefined) {
    // Its child would not be recorded either: fn runs under it (its methods do nothing) and no span is made. A
    // synchronous throw still comes back as a rejection, as from the span's async wrapper below.
    try {
      return fn(unrecorded);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }
  return tracer.startActiveSpan(name, { kind: options.kind, attributes: options.attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      recordError(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

export function recordError(span: Span, error: unknown): void {
  const err = error instanceof Error ? error : new Error(String(error));
  const message = redactString(err.message);
  span.recordException({ name: err.name, message, stack: err.stack ? redactString(err.stack) : undefined });
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

/**
 * The span of `parent` (default: the active context), when this process started it and its sampler chose not to
 * record it (not sampled): then no child of it is recorded either, whichever sampler OTEL_TRACES_SAMPLER names (a
 * parent-based one follows the parent's unsampled flag, a trace-id ratio decides alike on the same trace id,
 * always_off records nothing, always_on would have sampled the parent). A remote parent (a traceparent read from a
 * request or a message) is not one: this process has not decided on that trace yet. Nor is a sampled span that has
 * ended (it no longer records, but its children are). Undefined when there is none, or outside telemetry (no valid
 * span context).
 */
export function unrecordedLocalSpan(parent: Context = context.active()): Span | undefined {
  const span = trace.getSpan(parent);
  if (span === undefined || span.isRecording()) return undefined;
  const spanContext = span.spanContext();
  if (spanContext.isRemote === true || !isSpanContextValid(spanContext)) return undefined;
  return (spanContext.traceFlags & TraceFlags.SAMPLED) === 0 ? span : undefined;
}
