import type { AgentStats, AgentView, BudgetView, ModelView, Page, ProviderView, RecipientView } from '@switchboard/contracts';
import { useMemo } from 'react';
import { useApiQuery } from '../../api/queries';

/** Every list the console shows in full asks for the API's largest page, so pickers and name look-ups are complete. */
export const ALL = '?limit=1000';
export const AGENTS_PATH = '/v1/agents';
export const PROVIDERS_PATH = '/v1/providers';

/** Figures that change as calls are made are asked for again while the page is open. */
export const LIVE_REFRESH_MS = 3_000;

export const useAgents = () => useApiQuery<Page<AgentView>>(`${AGENTS_PATH}${ALL}`);
export const useAgent = (id: string) => useApiQuery<AgentView>(`${AGENTS_PATH}/${id}`);
/** `fresh`: asked again when a form that picks from them opens, so a provider added meanwhile can be picked. */
export const useProviders = (fresh = false) => useApiQuery<Page<ProviderView>>(`${PROVIDERS_PATH}${ALL}`, fresh ? { refetchOnMount: 'always' } : {});
export const useRecipients = () => useApiQuery<Page<RecipientView>>(`/v1/recipients${ALL}`);

/** The models of one provider; nothing is asked before a provider is chosen. */
export const useProviderModels = (providerId: string) =>
  useApiQuery<Page<ModelView>>(providerId === '' ? null : `${PROVIDERS_PATH}/${providerId}/models${ALL}`);

export const useAgentStats = (id: string) => useApiQuery<AgentStats>(`${AGENTS_PATH}/${id}/stats`, { refetchInterval: LIVE_REFRESH_MS });

export const useBudget = (scope: 'agent' | 'provider', id: string) =>
  useApiQuery<BudgetView>(`${scope === 'agent' ? AGENTS_PATH : PROVIDERS_PATH}/${id}/budget`, { refetchInterval: LIVE_REFRESH_MS });

/** id → name of the tenant's providers and agents, for tables that only hold ids. */
export function useNames(): { readonly providerName: (id: string) => string; readonly agentName: (id: string) => string } {
  const providers = useProviders().data?.body.data;
  const agents = useAgents().data?.body.data;
  return useMemo(() => {
    const byId = new Map<string, string>();
    for (const p of providers ?? []) byId.set(p.id, p.name);
    for (const a of agents ?? []) byId.set(a.id, a.name);
    const nameOf = (id: string) => byId.get(id) ?? id;
    return { providerName: nameOf, agentName: nameOf };
  }, [providers, agents]);
}
