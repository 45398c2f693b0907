/**
 * The one way pages talk to the API: same origin, JSON in and out, the session's key as a bearer token.
 * Errors come back as ApiError values built from the API's `{"error": {code, message}}` shape.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ApiResponse<T> {
  readonly status: number;
  readonly body: T;
  /** The resource version from `ETag`, to send back as `ifMatch`; null when the answer had none. */
  readonly etag: string | null;
}

export interface RequestOptions {
  readonly body?: unknown;
  /** Sent as `If-Match`: a stale one makes the API answer 412 version_conflict. */
  readonly ifMatch?: string | null;
  readonly signal?: AbortSignal;
}

/** What an API error says, with the form field it names when it names one (`name: must not be empty`). */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    /** `*_in_use` answers list what still depends on the resource. */
    readonly dependents?: unknown,
  ) {
    super(message);
  }

  /** The message without its `field: ` prefix, to show beside that field. */
  get detail(): string {
    return this.field !== undefined && this.message.startsWith(`${this.field}: `) ? this.message.slice(this.field.length + 2) : this.message;
  }

  get isConflict(): boolean {
    return this.status === 412 || this.code === 'version_conflict';
  }
}

/** Error codes that are about one field although their message does not start with it. */
const FIELD_OF_CODE: Readonly<Record<string, string>> = {
  provider_name_taken: 'name',
  model_name_taken: 'name',
  agent_name_taken: 'name',
};

const FIELD_PREFIX = /^([A-Za-z_][A-Za-z0-9_]*(?:[.[][A-Za-z0-9_\]-]+)*): /;

export function apiErrorOf(status: number, payload: unknown): ApiError {
  const error = (payload as { error?: { code?: unknown; message?: unknown; dependents?: unknown } } | null)?.error;
  const code = typeof error?.code === 'string' ? error.code : status === 0 ? 'network_error' : 'http_error';
  const message = typeof error?.message === 'string' ? error.message : `the API answered ${status}`;
  const prefixed = code === 'validation_failed' ? FIELD_PREFIX.exec(message)?.[1] : undefined;
  const field = prefixed !== undefined && prefixed !== 'body' ? prefixed : FIELD_OF_CODE[code];
  return new ApiError(status, code, message, field, error?.dependents);
}

type KeySource = () => string | null;
type UnauthorizedListener = () => void;

let keySource: KeySource = () => null;
let onUnauthorized: UnauthorizedListener = () => undefined;

/** The session module tells the client where the key is and what to do when the API stops accepting it. */
export function configureClient(source: KeySource, unauthorized: UnauthorizedListener): void {
  keySource = source;
  onUnauthorized = unauthorized;
}

/** Throws ApiError for any non-2xx answer (and for a network failure, with status 0). */
export async function apiRequest<T>(method: HttpMethod, path: string, options: RequestOptions = {}, key: string | null = keySource()): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (key !== null) headers['authorization'] = `Bearer ${key}`;
  if (options.ifMatch) headers['if-match'] = options.ifMatch;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body, signal: options.signal, credentials: 'omit', cache: 'no-store' });
  } catch (cause) {
    if ((cause as Error).name === 'AbortError') throw cause;
    throw new ApiError(0, 'network_error', 'the gateway could not be reached');
  }
  const text = await response.text();
  let payload: unknown = null;
  if (text !== '') {
    try {
      payload = JSON.parse(text);
    } catch {
      payload = null;
    }
  }
  if (!response.ok) {
    const error = apiErrorOf(response.status, payload);
    if (response.status === 401 && key !== null && key === keySource()) onUnauthorized();
    throw error;
  }
  return { status: response.status, body: payload as T, etag: response.headers.get('etag') };
}

export const api = {
  get: <T>(path: string, options?: RequestOptions) => apiRequest<T>('GET', path, options),
  post: <T>(path: string, body?: unknown, options?: RequestOptions) => apiRequest<T>('POST', path, { ...options, body }),
  put: <T>(path: string, body?: unknown, options?: RequestOptions) => apiRequest<T>('PUT', path, { ...options, body }),
  patch: <T>(path: string, body?: unknown, options?: RequestOptions) => apiRequest<T>('PATCH', path, { ...options, body }),
  delete: <T = null>(path: string, options?: RequestOptions) => apiRequest<T>('DELETE', path, options),
};

/** `/v1/x?limit=…` from a path and the defined parameters only. */
export function withQuery(path: string, params: Readonly<Record<string, string | number | boolean | undefined | null>>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  const query = search.toString();
  return query === '' ? path : `${path}?${query}`;
}
