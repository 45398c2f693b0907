import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Logger } from '@switchboard/telemetry';
import type { FastifyReply } from 'fastify';
import { ApiErrorException } from './api-error.exception.js';
import { toHttpError, type EdgeErrorCode, type HttpErrorResponse } from './error-status.table.js';

/** Fastify's own request errors (body parsing, routing) carry these codes on the HttpException's cause. */
const FASTIFY_ERRORS: Readonly<Record<string, { code: EdgeErrorCode; message: string }>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'validation_failed', message: 'body: is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'validation_failed', message: 'body: must not be empty with Content-Type application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'validation_failed', message: 'body: length does not match Content-Length' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'payload_too_large', message: 'body: is larger than the limit' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'unsupported_media_type', message: 'Content-Type: must be application/json' },
  FST_ERR_BAD_URL: { code: 'validation_failed', message: 'path: is not a valid URL (bad percent-encoding)' },
};

/** What a router error (an unreadable or overlong path) answers: a 400 for a bad URL, else no such route. */
export function routerError(code: string): { code: EdgeErrorCode; message: string } {
  return FASTIFY_ERRORS[code] ?? { code: 'not_found', message: 'no such route' };
}

const BY_STATUS: Readonly<Record<number, { code: EdgeErrorCode; message: string }>> = {
  400: { code: 'validation_failed', message: 'bad request' },
  401: { code: 'unauthorized', message: 'a valid access key is required' },
  403: { code: 'forbidden', message: 'this key may not do that' },
  404: { code: 'not_found', message: 'no such route' },
  413: { code: 'payload_too_large', message: 'body: is larger than the limit' },
  415: { code: 'unsupported_media_type', message: 'Content-Type: must be application/json' },
};

function fastifyCode(exception: HttpException): string | undefined {
  const cause = exception.cause;
  return cause instanceof Error && 'code' in cause && typeof cause.code === 'string' ? cause.code : undefined;
}

/** Every error response of the management API, in the shape `{error: {code, message}}`. */
export function toErrorResponse(exception: unknown): HttpErrorResponse | null {
  if (exception instanceof ApiErrorException) return toHttpError(exception);
  if (exception instanceof HttpException) {
    const known = FASTIFY_ERRORS[fastifyCode(exception) ?? ''] ?? BY_STATUS[exception.getStatus()];
    if (known) return toHttpError(known);
  }
  return null;
}

@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    let response = toErrorResponse(exception);
    if (!response) {
      // Unexpected: log it (redacted) and answer without any detail, never a stack trace.
      const error = exception instanceof Error ? exception : new Error(String(exception));
      this.logger.error('unhandled error in request', { error: error.message, errorName: error.name, stack: error.stack });
      response = toHttpError({ code: 'internal', message: 'internal error' });
    }
    if (reply.sent) return;
    void reply.status(response.status).headers(response.headers).send(response.body);
  }
}
