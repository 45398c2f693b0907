/** Every error that crosses a service boundary. HTTP statuses are assigned only at the edge (gateway). */
export const ERROR_CODES = [
  'validation_failed',
  'unauthorized',
  'forbidden',
  'not_found',
  'tenant_not_found',
  'key_not_found',
  'provider_not_found',
  'model_not_found',
  'agent_not_found',
  'secret_not_found',
  'recipient_not_found',
  'webhook_not_found',
  'provider_name_taken',
  'model_name_taken',
  'agent_name_taken',
  'version_conflict',
  'provider_in_use',
  'secret_in_use',
  /** The tenant has as many of a kind as its quota allows (details: kind, limit); nothing was created. */
  'quota_exceeded',
  'invalid_state',
  'not_implemented',
  'unavailable',
  'internal',
  /**
   * A service refused the caller's bus identity: no token, a bad, expired or replayed one, or a caller the
   * operation's access list does not name. Never a client's fault: the edge answers it as an internal error.
   */
  'caller_refused',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface AppError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export type Result<T, E = AppError> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: E };

export const ok = <T>(value: T): { readonly ok: true; readonly value: T } => ({ ok: true, value });

export const fail = <E = AppError>(error: E): { readonly ok: false; readonly error: E } => ({ ok: false, error });

export const appError = (code: ErrorCode, message: string, details?: Record<string, unknown>): AppError =>
  details === undefined ? { code, message } : { code, message, details };

/** Codes that say the answering side failed (or refused this service), never that the request was wrong. */
export const isServiceFault = (error: Pick<AppError, 'code'>): boolean =>
  error.code === 'internal' || error.code === 'unavailable' || error.code === 'caller_refused';
