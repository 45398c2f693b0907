import { SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';

const tracer = trace.getTracer('switchboard');

/** A CLIENT span around Postgres work, so traces show where time went in the database. */
export function withDbSpan<T>(
  name: string,
  operation: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(
    name,
    { kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql', 'db.operation': operation, ...attributes } },
    async (span) => {
      try {
        return await fn(span);
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        span.recordException(error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}
