import type { Principal } from '@switchboard/contracts';
import type { ClientErrorKind } from '@switchboard/llm-protocols';
import { bearerKey } from '../../auth/access-key.js';

/** Admin keys name the agent they call for in this header; agent keys are bound to theirs. */
export const AGENT_HEADER = 'x-switchboard-agent';

const ID_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;
const API_KEY_PATTERN = /^\S{1,512}$/;

export interface ProxyCaller {
  readonly tenantId: string;
  readonly agentId: string;
}

export type CallerRefusal = { readonly kind: Extract<ClientErrorKind, 'invalid_api_key' | 'permission_denied' | 'bad_request'>; readonly message: string };

type HeaderValue = string | string[] | undefined;

/**
 * The key a proxy call presents: `Authorization: Bearer` (OpenAI clients, and the Anthropic SDK since 1.x) or
 * `x-api-key` (older Anthropic clients). Bearer wins when both are sent, as it is the one the SDKs set last.
 */
export function presentedKey(authorization: HeaderValue, xApiKey: HeaderValue): string | null {
  const bearer = bearerKey(authorization);
  if (bearer !== null) return bearer;
  if (typeof xApiKey !== 'string') return null;
  const key = xApiKey.trim();
  return API_KEY_PATTERN.test(key) ? key : null;
}

/**
 * Which agent a call acts for: an agent key's own agent, or the agent an admin key names in
 * x-switchboard-agent. Everything else (member, operator, an admin without the header, an agent key naming
 * another agent) is refused; the refusal becomes 400/403 in the client protocol's shape.
 */
export function selectCaller(principal: Principal, agentHeader: HeaderValue): ProxyCaller | CallerRefusal {
  const named = typeof agentHeader === 'string' ? agentHeader.trim() : undefined;
  if (named !== undefined && !ID_PATTERN.test(named)) return { kind: 'bad_request', message: `${AGENT_HEADER} must be an agent id` };
  if (principal.tenantId === null) return { kind: 'permission_denied', message: 'the operator key cannot call models; use an agent key' };
  if (principal.role === 'agent') {
    if (principal.agentId === null) return { kind: 'permission_denied', message: 'this agent key is not bound to an agent' };
    if (named !== undefined && named !== principal.agentId) {
      return { kind: 'permission_denied', message: `this agent key may only call for its own agent` };
    }
    return { tenantId: principal.tenantId, agentId: principal.agentId };
  }
  if (principal.role === 'admin') {
    if (named === undefined) return { kind: 'permission_denied', message: `an admin key must name the agent in ${AGENT_HEADER}` };
    return { tenantId: principal.tenantId, agentId: named };
  }
  return { kind: 'permission_denied', message: `a ${principal.role} key cannot call models; use an agent key` };
}

export function isRefusal(value: ProxyCaller | CallerRefusal): value is CallerRefusal {
  return 'kind' in value;
}
