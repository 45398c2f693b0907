import type { AgentRoute } from '@switchboard/contracts';

/** One place a call may be served: the agent's own provider, or one of its fallbacks. */
export interface FailoverTarget {
  /**
   * The route as this target sees it: its provider and that provider's models, the agent's and tenant's settings. So
   * admission, forwarding and metering work on a fallback exactly as on the agent's own provider.
   */
  readonly route: AgentRoute;
  /** The model to resolve there: the one the client asked for on the agent's provider, the fallback's own elsewhere. */
  readonly requested: string;
  readonly fallback: boolean;
}

/** The targets of one call in failover order: the agent's provider with the requested model, then each fallback. */
export function failoverTargets(route: AgentRoute, requested: string): readonly FailoverTarget[] {
  const { fallbacks = [], ...base } = route;
  return [
    { route: base, requested, fallback: false },
    ...fallbacks.map((f) => ({ route: { ...base, provider: f.provider, models: f.models }, requested: f.model, fallback: true })),
  ];
}

export type ResolutionRefusal = 'bad_request' | 'model_not_found' | 'permission_denied';

/**
 * Whether a target whose model could not be resolved is passed over instead of answered. Never when it is the only
 * answer the call can get. A fallback is passed over whatever the reason (its model was removed since, the tenant
 * refuses its unpriced model, its protocol cannot serve this client); the agent's own provider only for a protocol it
 * cannot serve, since the model there is the client's choice and an unknown one is the client's error.
 */
export function passesOver(target: Pick<FailoverTarget, 'fallback'>, refusal: ResolutionRefusal, others: { readonly later: boolean; readonly failedBefore: boolean }): boolean {
  if (!others.later && !others.failedBefore) return false;
  return refusal === 'bad_request' || target.fallback;
}
