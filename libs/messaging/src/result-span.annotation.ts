import { SpanStatusCode } from '@opentelemetry/api';
import type { Span } from '@opentelemetry/api';

const SERVER_FAULTS = new Set(['internal', 'unavailable', 'caller_refused']);

function errorCodeOf(result: unknown): string | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  const reply = result as { ok?: unknown; error?: { code?: unknown } };
  return reply.ok === false ? String(reply.error?.code) : undefined;
}

/** Result errors are answers, not span failures, except the codes that mean the service itself failed. */
export function annotateResult(span: Span, result: unknown): void {
  const code = errorCodeOf(result);
  if (code === undefined) return;
  span.setAttribute('switchboard.error_code', code);
  if (SERVER_FAULTS.has(code)) span.setStatus({ code: SpanStatusCode.ERROR, message: code });
}
