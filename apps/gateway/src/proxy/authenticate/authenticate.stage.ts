import type { Principal } from '@switchboard/contracts';
import { clientError, type ClientError, type ClientProtocol } from '@switchboard/llm-protocols';
import type { IncomingHttpHeaders } from 'node:http';
import { RETRY_AFTER_SECONDS } from '../../http/error-status.table.js';
import { AGENT_HEADER, isRefusal, presentedKey, selectCaller, type ProxyCaller } from './proxy-caller.js';

/** The key → principal lookup (KeyResolver: cached by key hash; throws when keys cannot be checked). */
export interface KeyLookup {
  resolve(key: string): Promise<Principal | null>;
}

export type Authenticated = { readonly caller: ProxyCaller } | { readonly error: ClientError };

/**
 * Stage 1: who calls, and for which agent. `early` is the principal the early-auth hook already resolved before the
 * body was read (undefined when it did not run), so a call usually costs no second lookup.
 */
export async function authenticate(
  keys: KeyLookup,
  protocol: ClientProtocol,
  headers: IncomingHttpHeaders,
  early: Principal | null | undefined,
): Promise<Authenticated> {
  let principal = early;
  if (principal === undefined) {
    const key = presentedKey(headers.authorization, headers['x-api-key']);
    if (key === null) {
      return { error: clientError(protocol, 'invalid_api_key', 'Invalid API Key: send a Switchboard key as Authorization: Bearer <key> or x-api-key') };
    }
    try {
      principal = await keys.resolve(key);
    } catch {
      return { error: unavailable(protocol, 'keys cannot be checked right now') };
    }
  }
  if (principal === null) return { error: clientError(protocol, 'invalid_api_key', 'Invalid API Key: unknown or revoked Switchboard key') };
  const caller = selectCaller(principal, headers[AGENT_HEADER]);
  if (isRefusal(caller)) return { error: clientError(protocol, caller.kind, caller.message) };
  return { caller };
}

/** 503 with Retry-After in the client protocol's shape: a dependency of the hot path cannot answer now. */
export const unavailable = (protocol: ClientProtocol, what: string): ClientError =>
  clientError(protocol, 'service_unavailable', `Service Unavailable: ${what}; try again`, { retryAfterSeconds: RETRY_AFTER_SECONDS });
