import type { AppError, ErrorCode } from '@switchboard/contracts';

/** Codes only the HTTP edge produces (they never cross the bus). */
export type EdgeErrorCode = ErrorCode | 'payload_too_large' | 'unsupported_media_type' | 'too_many_requests';

/** How long a client should wait before retrying after a 503. */
export const RETRY_AFTER_SECONDS = 2;

/** The one place an error code becomes an HTTP status. */
export function httpStatusOf(code: EdgeErrorCode): number {
  switch (code) {
    case 'validation_failed':
      return 400;
    case 'unauthorized':
      return 401;
    case 'forbidden':
      return 403;
    case 'not_found':
    case 'tenant_not_found':
    case 'key_not_found':
    case 'provider_not_found':
    case 'model_not_found':
    case 'agent_not_found':
    case 'secret_not_found':
    case 'recipient_not_found':
    case 'webhook_not_found':
      return 404;
    case 'provider_name_taken':
    case 'model_name_taken':
    case 'agent_name_taken':
    case 'provider_in_use':
    case 'secret_in_use':
    case 'quota_exceeded':
    case 'invalid_state':
      return 409;
    case 'version_conflict':
      return 412;
    case 'payload_too_large':
      return 413;
    case 'unsupported_media_type':
      return 415;
    case 'too_many_requests':
      return 429;
    case 'not_implemented':
      return 501;
    case 'unavailable':
      return 503;
    case 'internal':
    case 'caller_refused':
      return 500;
    default: {
      const unhandled: never = code;
      throw new Error(`no HTTP status for error code ${String(unhandled)}`);
    }
  }
}

export interface ErrorBody {
  readonly error: {
    readonly code: EdgeErrorCode;
    readonly message: string;
    readonly dependents?: unknown;
  };
}

export interface HttpErrorResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: ErrorBody;
}

/**
 * Only `*_in_use` errors expose details (what still depends on the resource), so a service can never
 * leak internals through `details` by accident. An internal error never shows its message either.
 */
export function toHttpError(error: Pick<AppError, 'message' | 'details'> & { readonly code: EdgeErrorCode }): HttpErrorResponse {
  const status = httpStatusOf(error.code);
  // A refused service identity is the deployment's fault, not the client's: it shows as any internal error.
  const hidden = error.code === 'internal' || error.code === 'caller_refused';
  const message = hidden ? 'internal error' : error.message;
  const dependents =
    error.code === 'provider_in_use' || error.code === 'secret_in_use'
      ? (error.details?.dependents ?? error.details ?? {})
      : undefined;
  return {
    status,
    headers: error.code === 'unavailable' || error.code === 'too_many_requests' ? { 'retry-after': String(RETRY_AFTER_SECONDS) } : {},
    body: { error: dependents === undefined ? { code: hidden ? 'internal' : error.code, message } : { code: error.code, message, dependents } },
  };
}
