import { ROOT_CONTEXT, context, defaultTextMapSetter } from '@opentelemetry/api';
import type { Context, TextMapGetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/**
 * Used directly rather than through the global propagator so that bus headers are always W3C trace context,
 * whatever OTEL_PROPAGATORS says and even before startTelemetry() ran.
 */
const w3c = new W3CTraceContextPropagator();

type HeaderLookup = (name: string) => string | undefined;

const lookupGetter: TextMapGetter<HeaderLookup> = {
  keys: () => [],
  get: (lookup, key) => lookup(key) || undefined,
};

/** The active context as `{ traceparent, tracestate? }`; empty when no span is being recorded or propagated. */
export function traceHeaders(): Record<string, string> {
  const carrier: Record<string, string> = {};
  w3c.inject(context.active(), carrier, defaultTextMapSetter);
  return carrier;
}

/**
 * A context whose parent is the remote span named by the headers. It starts from the root context, not the
 * active one: a transport callback may run in whatever context was active when its connection was opened.
 */
export function contextFromHeaders(get: HeaderLookup): Context {
  return w3c.extract(ROOT_CONTEXT, get, lookupGetter);
}
