import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { Attributes, Span, SpanKind, Tracer } from '@opentelemetry/api';
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
