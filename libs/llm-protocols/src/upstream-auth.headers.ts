import { FORBIDDEN_CUSTOM_HEADERS, type AuthMethod } from '@switchboard/contracts';
import type { ProviderProtocol } from './protocol.types.js';

export const DEFAULT_ANTHROPIC_VERSION = '2023-06-01';

export interface UpstreamCredential {
  readonly apiKey?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface UpstreamAuthOptions {
  /** Anthropic endpoints need `anthropic-version` whatever the auth method. */
  readonly providerProtocol?: ProviderProtocol;
  readonly organizationId?: string | null;
  /** The client's own `anthropic-version`, passed on when it is a plain version token. */
  readonly anthropicVersion?: string | null;
}

/** A client-supplied version goes into an upstream header: only a short token, never arbitrary text. */
const VERSION_TOKEN = /^[0-9A-Za-z._-]{1,64}$/;
const FORBIDDEN: ReadonlySet<string> = new Set(FORBIDDEN_CUSTOM_HEADERS);

/**
 * Headers that authenticate a call to the provider (names lower-case). A credential without the
 * key its auth method needs is a broken invariant upstream of the proxy, so it throws.
 */
export function upstreamAuthHeaders(
  authMethod: AuthMethod,
  credential: UpstreamCredential,
  options: UpstreamAuthOptions = {},
): Record<string, string> {
  const headers: Record<string, string> = {};
  switch (authMethod) {
    case 'bearer':
      headers['authorization'] = `Bearer ${requireKey(authMethod, credential)}`;
      break;
    case 'x_api_key':
      headers['x-api-key'] = requireKey(authMethod, credential);
      break;
    case 'custom_headers':
      for (const [name, value] of Object.entries(credential.headers ?? {})) {
        // Contracts refuse these at registration; filtered again because a header like Host would redirect the call.
        if (!FORBIDDEN.has(name.toLowerCase())) headers[name.toLowerCase()] = value;
      }
      break;
    default:
      return assertNever(authMethod);
  }
  const anthropic = options.providerProtocol === 'anthropic_messages' || authMethod === 'x_api_key';
  if (anthropic && headers['anthropic-version'] === undefined) {
    const requested = options.anthropicVersion;
    headers['anthropic-version'] = requested != null && VERSION_TOKEN.test(requested) ? requested : DEFAULT_ANTHROPIC_VERSION;
  }
  if (!anthropic && options.organizationId) headers['openai-organization'] = options.organizationId;
  return headers;
}

function requireKey(authMethod: AuthMethod, credential: UpstreamCredential): string {
  if (credential.apiKey === undefined || credential.apiKey.length === 0) throw new Error(`auth method ${authMethod} needs an apiKey`);
  return credential.apiKey;
}

function assertNever(value: never): never {
  throw new Error(`unhandled auth method ${String(value)}`);
}
