import type { AppError, Result } from '@switchboard/contracts';
import type { EdgeErrorCode } from './error-status.table.js';

/** A typed error on its way to the exception filter, which alone turns it into a response. */
export class ApiErrorException extends Error {
  override readonly name = 'ApiErrorException';

  constructor(
    readonly code: EdgeErrorCode,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
  }

  static of(error: AppError): ApiErrorException {
    return new ApiErrorException(error.code, error.message, error.details);
  }
}

/** A service's failure becomes the HTTP error; success yields the value. */
export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw ApiErrorException.of(result.error);
}
