import type { LoggerService } from '@nestjs/common';
import type { Logger } from './json.logger.js';

type Level = 'debug' | 'info' | 'warn' | 'error';

/** Routes Nest's own logs (bootstrap, transport status, unhandled errors) through the JSON logger. */
export class NestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params, true);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('error', message, [...params], true, { fatal: true });
  }

  /**
   * Nest calls `log(message, context)` and `error(message, stack?, context?)`: the last string parameter is
   * the context, and for errors a preceding (or sole multi-line) string is the stack.
   */
  private write(level: Level, message: unknown, params: unknown[], isError = false, extra = {}): void {
    const rest = [...params];
    const fields: Record<string, unknown> = { ...extra };
    const last = rest.at(-1);
    if (typeof last === 'string' && !(isError && rest.length === 1 && looksLikeStack(last))) {
      fields['context'] = last;
      rest.pop();
    }
    if (isError && typeof rest[0] === 'string' && (rest.length === 1 || looksLikeStack(rest[0]))) {
      fields['stack'] = rest.shift();
    }
    if (rest.length > 0) fields['params'] = rest;
    if (message instanceof Error) {
      fields['err'] = message;
      this.logger[level](message.message, fields);
    } else if (typeof message === 'string') {
      this.logger[level](message, fields);
    } else {
      fields['data'] = message;
      this.logger[level]('nest', fields);
    }
  }
}

// Indentation is spaces or tabs only: with \s, which also matches \n, a run of newlines is re-read from each one.
function looksLikeStack(value: string): boolean {
  return /\n[ \t]+at /.test(value);
}
