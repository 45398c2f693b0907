import { context, diag, DiagConsoleLogger, propagation, trace, type MeterProvider } from '@opentelemetry/api';
import { diagLogLevelFromString, getBooleanFromEnv, getStringFromEnv, getStringListFromEnv, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import {
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  osDetector,
  processDetector,
  resourceFromAttributes,
  serviceInstanceIdDetector,
  type Resource,
  type ResourceDetector,
} from '@opentelemetry/resources';
import { AlwaysOffSampler, BasicTracerProvider, BatchSpanProcessor, NoopSpanProcessor, ParentBasedSampler } from '@opentelemetry/sdk-trace-base';
import type { BufferConfig, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AsyncLocalStorageContext } from './context.manager.js';
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
 * Registers the tracer provider, the AsyncLocalStorage context manager and the W3C propagator: what the SDK's NodeSDK
 * registered for Switchboard, without loading its logs SDK, its metrics, logs, gRPC and Zipkin exporters and its
 * configuration-file parts (about 160 modules the services never used; README, Performance). The standard variables
 * are read as NodeSDK read them:
 * OTEL_SDK_DISABLED, OTEL_LOG_LEVEL, OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME (the env detector),
 * OTEL_NODE_RESOURCE_DETECTORS, OTEL_TRACES_SAMPLER and _ARG and the span limits (the tracer provider),
 * OTEL_EXPORTER_OTLP_* (the exporter); `serviceName` is only the default for OTEL_SERVICE_NAME. Spans are exported
 * (OTLP/HTTP, JSON bodies unless OTEL_EXPORTER_OTLP_PROTOCOL is `http/protobuf`) only when an OTLP endpoint is set,
 * through a BatchSpanProcessor with a bounded queue and short timeouts (see telemetrySettings): a span's end only
 * appends it to that queue, and a collector that is down, slow or full costs dropped spans (counted by
 * spanExportStats()), never a wait. Without an endpoint (and no sampler set) the traces a service starts are not
 * recorded but keep their ids, so trace ids keep correlating log lines across services (see recordsNothing). No
 * metrics or logs are exported over OTLP.
 */
export function startTelemetry(serviceName: string, options: TelemetryOptions = {}): Telemetry {
  currentService = serviceName;
  if (getBooleanFromEnv('OTEL_SDK_DISABLED')) return { shutdown: () => Promise.resolve() };
  const logLevel = getStringFromEnv('OTEL_LOG_LEVEL');
  if (logLevel !== undefined) diag.setLogger(new DiagConsoleLogger(), { logLevel: diagLogLevelFromString(logLevel) });
  const settings = telemetrySettings(serviceName, options.env);
  context.setGlobalContextManager(new AsyncLocalStorageContext());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const provider = new BasicTracerProvider({
    resource: resourceOf(settings.serviceName),
    spanProcessors: options.spanProcessors ?? defaultSpanProcessors(settings),
    ...(recordsNothing(settings, options) ? { sampler: new ParentBasedSampler({ root: new AlwaysOffSampler() }) } : {}),
  });
  trace.setGlobalTracerProvider(provider);
  let stopping: Promise<void> | undefined;
  return {
    shutdown: () => {
      stopping ??= provider.shutdown();
      return stopping;
    },
  };
}

const RESOURCE_DETECTORS: ReadonlyMap<string, ResourceDetector> = new Map([
  ['host', hostDetector],
  ['os', osDetector],
  ['serviceinstance', serviceInstanceIdDetector],
  ['process', processDetector],
  ['env', envDetector],
]);

/** OTEL_NODE_RESOURCE_DETECTORS names the detectors (`all`, `none` or a list); unset, the env, process and host ones. */
function resourceDetectors(): ResourceDetector[] {
  const names = getStringListFromEnv('OTEL_NODE_RESOURCE_DETECTORS');
  if (names === undefined || names.length === 0) return [envDetector, processDetector, hostDetector];
  if (names.includes('all')) return [...RESOURCE_DETECTORS.values()];
  if (names.includes('none')) return [];
  return names.flatMap((name) => {
    const detector = RESOURCE_DETECTORS.get(name);
    if (detector === undefined) diag.warn(`Invalid resource detector "${name}" specified in the environment variable OTEL_NODE_RESOURCE_DETECTORS`);
    return detector ?? [];
  });
}

/** The SDK's default resource, then what the detectors find, then the code's service name when nothing else names it. */
function resourceOf(serviceName: string | undefined): Resource {
  const detected = defaultResource().merge(detectResources({ detectors: resourceDetectors() }));
  return serviceName === undefined ? detected : detected.merge(resourceFromAttributes({ 'service.name': serviceName }));
}

/**
 * Nothing exports this service's spans (no OTLP endpoint, no processor given) and no sampler was chosen: spans are not
 * recorded, which saved about a tenth of the gateway's CPU per call (README, Where the goals stand). They still carry
 * trace and span ids, so log lines keep correlating across services, and a caller's sampled traceparent is still
 * honoured (ParentBased): its spans are recorded and its sampled flag passed on. A trace started here is passed on
 * unsampled, so a service downstream that exports spans records it only if OTEL_TRACES_SAMPLER says so here.
 */
function recordsNothing(settings: TelemetrySettings, options: TelemetryOptions): boolean {
  const sampler = (options.env ?? process.env)['OTEL_TRACES_SAMPLER'];
  return !settings.exportTraces && options.spanProcessors === undefined && (sampler === undefined || sampler.trim() === '');
}

function defaultSpanProcessors(settings: TelemetrySettings): SpanProcessor[] {
  if (!settings.exportTraces) return [new NoopSpanProcessor()];
  const exporterConfig = settings.exporterTimeoutMillis === undefined ? {} : { timeoutMillis: settings.exporterTimeoutMillis };
  const exporter = settings.protocol === 'http/protobuf' ? new OTLPProtobufTraceExporter(exporterConfig) : new OTLPTraceExporter(exporterConfig);
  // The processor passes its options on to the SDK's, which counts every span it finishes on this meter provider.
  const config: BufferConfig & { selfObsMeterProvider: MeterProvider } = { ...settings.batch, selfObsMeterProvider: spanExportMeterProvider };
  return [new BatchSpanProcessor(exporter, config)];
}
