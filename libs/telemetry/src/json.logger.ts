import { isSpanContextValid, trace } from '@opentelemetry/api';
import { redact, redactString } from './log.redaction.js';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger that adds these fields to every entry. */
  child(fields: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  /** Default: env LOG_LEVEL, else 'info'. */
  level?: LogLevel;
  /** Receives one JSON document per call, without a newline. Default: stdout. */
  write?: (line: string) => void;
}

const RESERVED = new Set(['ts', 'level', 'service', 'msg', 'trace_id', 'span_id']);

function levelFromEnv(): LogLevel {
  const env = process.env['LOG_LEVEL']?.toLowerCase();
  return LOG_LEVELS.find((level) => level === env) ?? 'info';
}

/**
 * Lines written in one event-loop turn go to `sink` together at its end: stdout on a pipe is a synchronous write(2)
 * per call on Linux, and a busy gateway writes an access line per request. Order is kept; `flush()` writes what is
 * pending now (the default writer flushes at process exit, so a line logged just before `process.exit()` is not lost).
 */
export function coalescedWriter(sink: (text: string) => void): { readonly write: (line: string) => void; readonly flush: () => void } {
  let pending: string[] = [];
  let scheduled: NodeJS.Immediate | null = null;
  const flush = (): void => {
    if (scheduled !== null) clearImmediate(scheduled);
    scheduled = null;
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    sink(text);
  };
  const write = (line: string): void => {
    pending.push(`${line}\n`);
    scheduled ??= setImmediate(flush);
  };
  return { write, flush };
}

let stdoutWriter: ReturnType<typeof coalescedWriter> | null = null;

function writeStdout(line: string): void {
  if (stdoutWriter === null) {
    const writer = coalescedWriter((text) => process.stdout.write(text));
    process.once('exit', writer.flush);
    stdoutWriter = writer;
  }
  stdoutWriter.write(line);
}

/**
 * One JSON line per entry: {ts, level, service, msg, ...fields, trace_id?, span_id?} (OpenTelemetry's log field names for
 * the active span, so a log backend links each line to its trace). Fields and message pass
 * redact(); a field may not overwrite the envelope keys (it is kept under `field.<name>` instead).
 */
export function createLogger(service: string, options: LoggerOptions = {}): Logger {
  const threshold = LOG_LEVELS.indexOf(options.level ?? levelFromEnv());
  const write = options.write ?? writeStdout;

  const make = (bound: Record<string, unknown>): Logger => {
    const emit = (level: LogLevel, message: string, fields?: Record<string, unknown>): void => {
      if (LOG_LEVELS.indexOf(level) < threshold) return;
      const entry: Record<string, unknown> = {
        ts: new Date().toISOString(),
        level,
        service,
        msg: redactString(message),
      };
      const redacted = redact({ ...bound, ...fields }) as Record<string, unknown>;
      for (const [key, value] of Object.entries(redacted)) {
        entry[RESERVED.has(key) ? `field.${key}` : key] = value;
      }
      const spanContext = trace.getActiveSpan()?.spanContext();
      if (spanContext && isSpanContextValid(spanContext)) {
        entry['trace_id'] = spanContext.traceId;
        entry['span_id'] = spanContext.spanId;
      }
      write(JSON.stringify(entry));
    };
    return {
      debug: (message, fields) => emit('debug', message, fields),
      info: (message, fields) => emit('info', message, fields),
      warn: (message, fields) => emit('warn', message, fields),
      error: (message, fields) => emit('error', message, fields),
      child: (fields) => make({ ...bound, ...fields }),
    };
  };
  return make({});
}
