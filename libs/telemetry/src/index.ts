export { startTelemetry, currentServiceName } from './telemetry.sdk.js';
export type { Telemetry, TelemetryOptions } from './telemetry.sdk.js';
export { tracer, withSpan, recordError } from './span.tracing.js';
export type { SpanOptions } from './span.tracing.js';
export { traceHeaders, contextFromHeaders } from './trace-context.propagation.js';
export { createLogger, LOG_LEVELS } from './json.logger.js';
export type { Logger, LoggerOptions, LogLevel } from './json.logger.js';
export { redact, redactString, isSensitiveKey, REDACTED } from './log.redaction.js';
export { NestLogger } from './nest.logger.js';
