import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

export interface Telemetry {
  /** Flushes pending spans and stops the SDK; safe to call more than once. */
  shutdown(): Promise<void>;
}

export interface TelemetryOptions {
  /** Replaces the exporter chosen from the environment (tests pass an in-memory exporter here). */
  spanProcessors?: SpanProcessor[];
}

let currentService: string | undefined;

/** The name given to startTelemetry(), else OTEL_SERVICE_NAME, else 'switchboard'. */
export function currentServiceName(): string {
  return currentService ?? process.env['OTEL_SERVICE_NAME'] ?? 'switchboard';
}

/**
 * Registers the tracer provider, the AsyncLocalStorage context manager and the W3C propagator. Spans are
 * exported (OTLP/HTTP JSON, batched, honouring OTEL_BSP_*) only when OTEL_EXPORTER_OTLP_ENDPOINT is set;
 * without it spans are still created, so trace ids keep correlating log lines across services.
 * Metrics and log exporters are off: the SDK would otherwise push to a default OTLP endpoint.
 */
export function startTelemetry(serviceName: string, options: TelemetryOptions = {}): Telemetry {
  currentService = serviceName;
  const sdk = new NodeSDK({
    serviceName,
    textMapPropagator: new W3CTraceContextPropagator(),
    spanProcessors: options.spanProcessors ?? defaultSpanProcessors(),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  let stopping: Promise<void> | undefined;
  return {
    shutdown: () => {
      stopping ??= sdk.shutdown();
      return stopping;
    },
  };
}

function defaultSpanProcessors(): SpanProcessor[] {
  if (!process.env['OTEL_EXPORTER_OTLP_ENDPOINT']) return [new NoopSpanProcessor()];
  return [new BatchSpanProcessor(new OTLPTraceExporter())];
}
