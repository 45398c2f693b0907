import { useMutation, useQuery, useQueryClient, type QueryKey, type UseQueryOptions } from '@tanstack/react-query';
import { ApiError, api, type ApiResponse, type HttpMethod, apiRequest } from './client';

/**
 * Query keys follow the path's segments (`/v1/providers/prv_1/models` → ['v1', 'providers', 'prv_1', 'models']), so
 * invalidating ['v1', 'providers'] refreshes every query under /v1/providers.
 */
export function queryKeyOf(path: string): QueryKey {
  const [pathname = '', search] = path.split('?');
  const segments = pathname.split('/').filter((s) => s !== '');
  return search ? [...segments, `?${search}`] : segments;
}

/** GET a path; `data` keeps the status, the body and the ETag (for If-Match on the next change). */
export function useApiQuery<T>(path: string | null, options: Omit<UseQueryOptions<ApiResponse<T>, ApiError>, 'queryKey' | 'queryFn'> = {}) {
  return useQuery<ApiResponse<T>, ApiError>({
    queryKey: path === null ? ['disabled'] : queryKeyOf(path),
    queryFn: ({ signal }) => api.get<T>(path as string, { signal }),
    enabled: path !== null && (options.enabled ?? true),
    ...options,
  });
}

export interface MutationInput {
  readonly method: HttpMethod;
  readonly path: string;
  readonly body?: unknown;
  readonly ifMatch?: string | null;
}

/**
 * One call that changes something, then refreshes the queries under `invalidate` (paths, e.g. '/v1/providers').
 * `error` is an ApiError: show `fieldError(error, 'name')` beside each field and `<FormError>` for the rest.
 */
export function useApiMutation<T = unknown>(invalidate: readonly string[] = []) {
  const queryClient = useQueryClient();
  return useMutation<ApiResponse<T>, ApiError, MutationInput>({
    mutationFn: (input) => apiRequest<T>(input.method, input.path, { body: input.body, ifMatch: input.ifMatch }),
    onSuccess: async () => {
      await Promise.all(invalidate.map((path) => queryClient.invalidateQueries({ queryKey: queryKeyOf(path) })));
    },
  });
}

/** Client errors will not get better by asking again; network and server errors get two more tries. */
export function shouldRetry(failures: number, error: unknown): boolean {
  if (error instanceof ApiError && error.status >= 400 && error.status < 500) return false;
  return failures < 2;
}
