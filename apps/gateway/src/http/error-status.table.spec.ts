import { ERROR_CODES, type ErrorCode } from '@switchboard/contracts';
import { httpStatusOf, toHttpError } from './error-status.table.js';

describe('error code → HTTP status', () => {
  it.each<[ErrorCode, number]>([
    ['validation_failed', 400],
    ['unauthorized', 401],
    ['forbidden', 403],
    ['not_found', 404],
    ['tenant_not_found', 404],
    ['key_not_found', 404],
    ['provider_not_found', 404],
    ['model_not_found', 404],
    ['agent_not_found', 404],
    ['secret_not_found', 404],
    ['recipient_not_found', 404],
    ['provider_name_taken', 409],
    ['model_name_taken', 409],
    ['agent_name_taken', 409],
    ['provider_in_use', 409],
    ['secret_in_use', 409],
    ['quota_exceeded', 409],
    ['invalid_state', 409],
    ['version_conflict', 412],
    ['not_implemented', 501],
    ['unavailable', 503],
    ['internal', 500],
  ])('%s → %i', (code, status) => {
    expect(httpStatusOf(code)).toBe(status);
  });

  it('covers every contract error code', () => {
    for (const code of ERROR_CODES) expect(httpStatusOf(code)).toBeGreaterThanOrEqual(400);
  });

  it('maps edge-only codes', () => {
    expect(httpStatusOf('payload_too_large')).toBe(413);
    expect(httpStatusOf('unsupported_media_type')).toBe(415);
  });
});

describe('toHttpError', () => {
  it('answers {error: {code, message}}', () => {
    expect(toHttpError({ code: 'provider_not_found', message: 'no such provider' })).toEqual({
      status: 404,
      headers: {},
      body: { error: { code: 'provider_not_found', message: 'no such provider' } },
    });
  });

  it('adds Retry-After to 503', () => {
    expect(toHttpError({ code: 'unavailable', message: 'providers-service did not answer' }).headers).toEqual({
      'retry-after': '2',
    });
  });

  it('shows the dependents of an in-use resource', () => {
    const dependents = { agents: ['agt_1'], models: ['mdl_1'] };
    expect(toHttpError({ code: 'provider_in_use', message: 'in use', details: { dependents } }).body).toEqual({
      error: { code: 'provider_in_use', message: 'in use', dependents },
    });
    expect(toHttpError({ code: 'provider_in_use', message: 'in use', details: dependents }).body.error.dependents).toEqual(
      dependents,
    );
  });

  it('shows the providers that still use a secret', () => {
    expect(toHttpError({ code: 'secret_in_use', message: 'in use', details: { dependents: ['prv_1', 'prv_2'] } })).toEqual({
      status: 409,
      headers: {},
      body: { error: { code: 'secret_in_use', message: 'in use', dependents: ['prv_1', 'prv_2'] } },
    });
  });

  it('never shows other details, nor the message of an internal error', () => {
    expect(toHttpError({ code: 'provider_not_found', message: 'x', details: { sql: 'select …' } }).body).toEqual({
      error: { code: 'provider_not_found', message: 'x' },
    });
    expect(toHttpError({ code: 'internal', message: 'TypeError at /srv/app.js:1' }).body.error.message).toBe('internal error');
  });
});
