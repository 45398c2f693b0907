import { NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { coalescedWriter, createLogger } from './json.logger.js';
import { startTelemetry } from './telemetry.sdk.js';
import { withSpan } from './span.tracing.js';
import { NestLogger } from './nest.logger.js';
import { REDACTED } from './log.redaction.js';

function capture(level?: 'debug' | 'info' | 'warn' | 'error') {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('svc', { level, write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

describe('createLogger', () => {
  it('writes one JSON document per entry with the envelope first and redacted fields', () => {
    const { logger, lines } = capture();
    logger.info('hello sk-abcdefgh12345678', { apiKey: 'x', n: 1 });
    expect(lines).toHaveLength(1);
    expect(Object.keys(lines[0] ?? {}).slice(0, 4)).toEqual(['ts', 'level', 'service', 'msg']);
    expect(lines[0]).toMatchObject({ level: 'info', service: 'svc', msg: `hello ${REDACTED}`, apiKey: REDACTED, n: 1 });
  });

  it('filters below the level and merges child fields', () => {
    const { logger, lines } = capture('warn');
    const child = logger.child({ component: 'relay', password: 'p' });
    child.info('dropped');
    child.warn('kept', { attempt: 2, level: 'spoof' });
    expect(lines).toEqual([
      expect.objectContaining({ level: 'warn', component: 'relay', password: REDACTED, attempt: 2, 'field.level': 'spoof' }),
    ]);
  });

  it('adds the active span ids', async () => {
    const telemetry = startTelemetry('logger-spec', { spanProcessors: [new NoopSpanProcessor()] });
    const { logger, lines } = capture();
    const ids = await withSpan('op', {}, async (span) => {
      await Promise.resolve();
      logger.info('in span');
      return span.spanContext();
    });
    logger.info('outside');
    await telemetry.shutdown();
    expect(lines[0]).toMatchObject({ trace_id: ids.traceId, span_id: ids.spanId });
    expect(lines[1]).not.toHaveProperty('trace_id');
  });
});

describe('NestLogger', () => {
  it('maps Nest calls onto JSON entries with context and stack', () => {
    const { logger, lines } = capture('debug');
    const nest = new NestLogger(logger);
    nest.log('Nest application started', 'NestApplication');
    nest.error('boom', 'Error: boom\n    at x (y.js:1:1)', 'ExceptionsHandler');
    nest.verbose({ some: 'object' });
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'Nest application started', context: 'NestApplication' });
    expect(lines[1]).toMatchObject({ level: 'error', msg: 'boom', context: 'ExceptionsHandler' });
    expect(String(lines[1]?.['stack'])).toContain('at x');
    expect(lines[2]).toMatchObject({ level: 'debug', data: { some: 'object' } });
  });
});

describe('coalescedWriter', () => {
  it('writes the lines of one event-loop turn together at its end, in order', async () => {
    const writes: string[] = [];
    const { write } = coalescedWriter((text) => writes.push(text));
    write('{"a":1}');
    write('{"b":2}');
    expect(writes).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    write('{"c":3}');
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual(['{"a":1}\n{"b":2}\n', '{"c":3}\n']);
  });

  it('flush() writes what is pending at once (at process exit), and nothing when nothing is', () => {
    const writes: string[] = [];
    const { write, flush } = coalescedWriter((text) => writes.push(text));
    flush();
    write('{"a":1}');
    flush();
    flush();
    expect(writes).toEqual(['{"a":1}\n']);
  });
});
