/**
 * Defaults Switchboard sets where the OpenTelemetry SDK's own would let a collector that is down, slow or full
 * cost the services something: a short export timeout, a bounded queue, a prompt schedule. Each one yields to
 * its standard `OTEL_*` variable when that is set.
 */
export const TELEMETRY_DEFAULTS = {
  /** OTEL_BSP_MAX_QUEUE_SIZE: spans waiting for export; past it new spans are dropped (and counted), never waited for. */
  maxQueueSize: 2048,
  /** OTEL_BSP_MAX_EXPORT_BATCH_SIZE: spans per export request. */
  maxExportBatchSize: 512,
  /** OTEL_BSP_SCHEDULE_DELAY: the longest a finished span waits before its batch is exported (SDK default 5000). */
  scheduledDelayMillis: 1000,
  /** OTEL_BSP_EXPORT_TIMEOUT: after this the processor stops waiting for an export and moves on (SDK default 30000). */
  exportTimeoutMillis: 2000,
  /** OTEL_EXPORTER_OTLP_TRACES_TIMEOUT / OTEL_EXPORTER_OTLP_TIMEOUT: one export, its retries included (SDK default 10000). */
  exporterTimeoutMillis: 2000,
} as const;

type Env = Readonly<Record<string, string | undefined>>;

export interface BatchSettings {
  readonly maxQueueSize: number;
  readonly maxExportBatchSize: number;
  readonly scheduledDelayMillis: number;
  readonly exportTimeoutMillis: number;
}

export interface TelemetrySettings {
  /** The service name to put on the resource; undefined when OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES name it. */
  readonly serviceName: string | undefined;
  /** Whether spans are exported over OTLP at all. */
  readonly exportTraces: boolean;
  readonly batch: BatchSettings;
  /** Passed to the OTLP exporter; undefined when an OTEL_EXPORTER_OTLP_*TIMEOUT variable sets it. */
  readonly exporterTimeoutMillis: number | undefined;
  /**
   * OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL: `http/protobuf` exports protobuf bodies
   * (cheaper to encode than JSON); anything else, or unset, JSON bodies, as before the variable was read.
   */
  readonly protocol: 'http/json' | 'http/protobuf';
}

const blank = (value: string | undefined): boolean => value === undefined || value.trim() === '';

/** A positive integer from the environment, else the default (a malformed value is ignored, as the SDK does). */
function positive(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (blank(raw)) return fallback;
  const value = Number(raw);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

/** OTEL_RESOURCE_ATTRIBUTES is `key=value,key=value` with percent-encoded values. */
function namesServiceInResource(env: Env): boolean {
  const raw = env['OTEL_RESOURCE_ATTRIBUTES'];
  if (blank(raw)) return false;
  return (raw ?? '').split(',').some((pair) => pair.split('=', 1)[0]?.trim() === 'service.name' && pair.includes('='));
}

function protocolOf(env: Env): 'http/json' | 'http/protobuf' {
  const traces = env['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'];
  const chosen = blank(traces) ? env['OTEL_EXPORTER_OTLP_PROTOCOL'] : traces;
  return chosen?.trim() === 'http/protobuf' ? 'http/protobuf' : 'http/json';
}

/**
 * What startTelemetry() configures, from the environment. The name the code gives a service is only the default:
 * OTEL_SERVICE_NAME, then `service.name` in OTEL_RESOURCE_ATTRIBUTES, win over it. Spans are exported when an OTLP
 * endpoint is set (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT) and OTEL_TRACES_EXPORTER is not `none`.
 */
export function telemetrySettings(codeServiceName: string, env: Env = process.env): TelemetrySettings {
  const named = !blank(env['OTEL_SERVICE_NAME']) || namesServiceInResource(env);
  const endpoint = !blank(env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']) || !blank(env['OTEL_EXPORTER_OTLP_ENDPOINT']);
  const exporters = (env['OTEL_TRACES_EXPORTER'] ?? '').split(',').map((name) => name.trim());
  const maxQueueSize = positive(env, 'OTEL_BSP_MAX_QUEUE_SIZE', TELEMETRY_DEFAULTS.maxQueueSize);
  const timeoutSet = !blank(env['OTEL_EXPORTER_OTLP_TRACES_TIMEOUT']) || !blank(env['OTEL_EXPORTER_OTLP_TIMEOUT']);
  return {
    serviceName: named ? undefined : codeServiceName,
    exportTraces: endpoint && !exporters.includes('none'),
    batch: {
      maxQueueSize,
      maxExportBatchSize: Math.min(positive(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', TELEMETRY_DEFAULTS.maxExportBatchSize), maxQueueSize),
      scheduledDelayMillis: positive(env, 'OTEL_BSP_SCHEDULE_DELAY', TELEMETRY_DEFAULTS.scheduledDelayMillis),
      exportTimeoutMillis: positive(env, 'OTEL_BSP_EXPORT_TIMEOUT', TELEMETRY_DEFAULTS.exportTimeoutMillis),
    },
    exporterTimeoutMillis: timeoutSet ? undefined : TELEMETRY_DEFAULTS.exporterTimeoutMillis,
    protocol: protocolOf(env),
  };
}
