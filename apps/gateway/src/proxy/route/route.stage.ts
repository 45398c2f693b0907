import { isServiceFault, type AgentRoute, type AppError, type Result } from '@switchboard/contracts';
import { clientError, type ClientError, type ClientProtocol } from '@switchboard/llm-protocols';
import { unavailable } from '../authenticate/authenticate.stage.js';
import type { ProxyCaller } from '../authenticate/proxy-caller.js';

/** Agent → provider → models (AgentRouteCache: kept fresh by events, fetched from providers-service on a miss). */
export interface RouteSource {
  peek(tenantId: string, agentId: string): AgentRoute | undefined;
  get(tenantId: string, agentId: string): Promise<Result<AgentRoute, AppError>>;
}

export type Routed = { readonly route: AgentRoute } | { readonly error: ClientError };

/** Stage 2: the caller's agent, its provider and models; from the cache without awaiting when it is there. */
export function resolveRoute(routes: RouteSource, protocol: ClientProtocol, caller: ProxyCaller): Routed | Promise<Routed> {
  const route = routes.peek(caller.tenantId, caller.agentId);
  if (route !== undefined) return { route };
  return routes.get(caller.tenantId, caller.agentId).then((fetched) => {
    if (fetched.ok) return { route: fetched.value };
    if (isServiceFault(fetched.error)) return { error: unavailable(protocol, "the agent's route cannot be resolved right now") };
    return { error: clientError(protocol, 'permission_denied', `agent ${caller.agentId} does not exist in this tenant`) };
  });
}
