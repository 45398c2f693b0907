import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { BufferConfig, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { MeterProvider } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { spanExportMeterProvider } from './span-export.stats.js';
import { telemetrySettings, type TelemetrySettings } from './telemetry.settings.js';

export interface Telemetry {
  /** Flushes pending spans and stops the SDK; safe to call more than once. */
  shutdown(): Promise<void>;
}

export interface TelemetryOptions {
  /** Replaces the exporter chosen from the environment (tests pass an in-memory exporter here). */
  spanProcessors?: SpanProcessor[];
  /** Read instead of process.env (specs). */
  env?: Readonly<Record<string, string | undefined>>;
}

let currentService: string | undefined;

/** OTEL_SERVICE_NAME when set, else the name given to startTelemetry(), else 'switchboard'. */
export function currentServiceName(): string {
  const fromEnv = process.env['OTEL_SERVICE_NAME'];
  return fromEnv !== undefined && fromEnv.trim() !== '' ? fromEnv : (currentService ?? 'switchboard');
}

/**
 * Registers the tracer provider, the AsyncLocalStorage context manager and the W3C propagator. The SDK reads the
 * standard variables itself (OTEL_SDK_DISABLED, OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER and _ARG,
 * OTEL_EXPORTER_OTLP_*); `serviceName` is only the default for OTEL_SERVICE_NAME. Spans are exported (OTLP/HTTP, JSON
 * bodies unless OTEL_EXPORTER_OTLP_PROTOCOL is `http/protobuf`) only when an OTLP endpoint is set, through a
 * BatchSpanProcessor with a bounded queue and short timeouts (see telemetrySettings): a span's end only appends it
 * to that queue, and a collector that is down, slow or full costs dropped spans (counted by spanExportStats()), never
 * a wait. Without an endpoint spans are still created, so trace ids keep correlating log lines across services.
 * Metrics and log exporters are off: the SDK would otherwise push to a default OTLP endpoint.
 */
export function startTelemetry(serviceName: string, options: TelemetryOptions = {}): Telemetry {
  currentService = serviceName;
  const settings = telemetrySettings(serviceName, options.env);
  const sdk = new NodeSDK({
    ...(settings.serviceName === undefined ? {} : { serviceName: settings.serviceName }),
    textMapPropagator: new W3CTraceContextPropagator(),
    spanProcessors: options.spanProcessors ?? defaultSpanProcessors(settings),
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

function defaultSpanProcessors(settings: TelemetrySettings): SpanProcessor[] {
  if (!settings.exportTraces) return [new NoopSpanProcessor()];
  const exporterConfig = settings.exporterTimeoutMillis === undefined ? {} : { timeoutMillis: settings.exporterTimeoutMillis };
  const exporter = settings.protocol === 'http/protobuf' ? new OTLPProtobufTraceExporter(exporterConfig) : new OTLPTraceExporter(exporterConfig);
  // The processor passes its options on to the SDK's, which counts every span it finishes on this meter provider.
  const config: BufferConfig & { selfObsMeterProvider: MeterProvider } = { ...settings.batch, selfObsMeterProvider: spanExportMeterProvider };
  return [new BatchSpanProcessor(exporter, config)];
}
