import { TELEMETRY_DEFAULTS, telemetrySettings } from './telemetry.settings.js';

describe('telemetrySettings', () => {
  const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' };

  it('gives the code name as the default service name only', () => {
    expect(telemetrySettings('gateway', {}).serviceName).toBe('gateway');
    expect(telemetrySettings('gateway', { OTEL_SERVICE_NAME: 'edge-eu-1' }).serviceName).toBeUndefined();
    expect(telemetrySettings('gateway', { OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,service.name=edge' }).serviceName).toBeUndefined();
    expect(telemetrySettings('gateway', { OTEL_RESOURCE_ATTRIBUTES: 'service.namespace=switchboard' }).serviceName).toBe('gateway');
    expect(telemetrySettings('gateway', { OTEL_SERVICE_NAME: '  ' }).serviceName).toBe('gateway');
  });

  it('exports only to a configured OTLP endpoint, unless OTEL_TRACES_EXPORTER is none', () => {
    expect(telemetrySettings('s', {}).exportTraces).toBe(false);
    expect(telemetrySettings('s', endpoint).exportTraces).toBe(true);
    expect(telemetrySettings('s', { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }).exportTraces).toBe(true);
    expect(telemetrySettings('s', { ...endpoint, OTEL_TRACES_EXPORTER: 'none' }).exportTraces).toBe(false);
    expect(telemetrySettings('s', { ...endpoint, OTEL_TRACES_EXPORTER: 'otlp' }).exportTraces).toBe(true);
  });

  it('bounds the queue and shortens the timeouts by default', () => {
    const settings = telemetrySettings('s', endpoint);
    expect(settings.batch).toEqual({
      maxQueueSize: TELEMETRY_DEFAULTS.maxQueueSize,
      maxExportBatchSize: TELEMETRY_DEFAULTS.maxExportBatchSize,
      scheduledDelayMillis: TELEMETRY_DEFAULTS.scheduledDelayMillis,
      exportTimeoutMillis: TELEMETRY_DEFAULTS.exportTimeoutMillis,
    });
    expect(settings.exporterTimeoutMillis).toBe(TELEMETRY_DEFAULTS.exporterTimeoutMillis);
  });

  it('lets every OTEL_BSP_* and exporter timeout variable win, ignoring malformed values', () => {
    const settings = telemetrySettings('s', {
      ...endpoint,
      OTEL_BSP_MAX_QUEUE_SIZE: '100',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '500',
      OTEL_BSP_SCHEDULE_DELAY: '250',
      OTEL_BSP_EXPORT_TIMEOUT: 'soon',
      OTEL_EXPORTER_OTLP_TIMEOUT: '500',
    });
    // A batch is never larger than the queue.
    expect(settings.batch).toEqual({ maxQueueSize: 100, maxExportBatchSize: 100, scheduledDelayMillis: 250, exportTimeoutMillis: TELEMETRY_DEFAULTS.exportTimeoutMillis });
    // Left to the exporter, which reads the variable itself.
    expect(settings.exporterTimeoutMillis).toBeUndefined();
    expect(telemetrySettings('s', { OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '300' }).exporterTimeoutMillis).toBeUndefined();
    expect(telemetrySettings('s', { OTEL_BSP_MAX_QUEUE_SIZE: '-5' }).batch.maxQueueSize).toBe(TELEMETRY_DEFAULTS.maxQueueSize);
  });

  it('exports JSON bodies unless OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL is http/protobuf, the traces variable first', () => {
    expect(telemetrySettings('s', endpoint).protocol).toBe('http/json');
    expect(telemetrySettings('s', { ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' }).protocol).toBe('http/protobuf');
    expect(telemetrySettings('s', { ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' }).protocol).toBe('http/json');
    expect(telemetrySettings('s', { ...endpoint, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' }).protocol).toBe('http/protobuf');
    // gRPC is not offered: JSON over HTTP, as when the variable is unset.
    expect(telemetrySettings('s', { ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }).protocol).toBe('http/json');
  });
});
