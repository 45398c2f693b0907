import { HttpException, NotFoundException } from '@nestjs/common';
import { ApiErrorException } from './api-error.exception.js';
import { toErrorResponse } from './api-exception.filter.js';

const fastifyError = (code: string, statusCode: number) =>
  new HttpException('raw', statusCode, { cause: Object.assign(new Error('raw fastify message'), { code, statusCode }) });

describe('toErrorResponse', () => {
  it('maps typed errors through the status table', () => {
    expect(toErrorResponse(new ApiErrorException('version_conflict', 'stale'))).toMatchObject({
      status: 412,
      body: { error: { code: 'version_conflict', message: 'stale' } },
    });
  });

  it.each([
    ['FST_ERR_CTP_INVALID_JSON_BODY', 400, 400, 'validation_failed'],
    ['FST_ERR_CTP_EMPTY_JSON_BODY', 400, 400, 'validation_failed'],
    ['FST_ERR_CTP_BODY_TOO_LARGE', 413, 413, 'payload_too_large'],
    ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 415, 'unsupported_media_type'],
  ])('maps Fastify %s to %i', (code, raw, status, errorCode) => {
    const response = toErrorResponse(fastifyError(code, raw));
    expect(response?.status).toBe(status);
    expect(response?.body.error.code).toBe(errorCode);
    expect(response?.body.error.message).not.toContain('raw');
  });

  it('answers unknown routes with not_found', () => {
    expect(toErrorResponse(new NotFoundException('Cannot GET /nope'))).toMatchObject({
      status: 404,
      body: { error: { code: 'not_found', message: 'no such route' } },
    });
  });

  it('leaves anything unexpected to the internal-error path', () => {
    expect(toErrorResponse(new TypeError('boom'))).toBeNull();
  });
});
