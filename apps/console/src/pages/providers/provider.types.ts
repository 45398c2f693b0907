import type { AuthMethod, BudgetView, ModelView, Page, ProviderDependentsView, ProviderHistoryEntry, ProviderType, ProviderView as ContractProviderView } from '@switchboard/contracts';

export type { AuthMethod, BudgetView, ModelView, Page, ProviderDependentsView, ProviderHistoryEntry, ProviderType };

/** Failover's circuit breaker of a provider (GET /v1/providers[/:id] `circuit`), as the answering gateway sees it. */
export interface ProviderCircuit {
  readonly state: 'closed' | 'open' | 'half_open';
  readonly since: string | null;
}

/** A provider as the gateway answers it: the contract's view plus the circuit the gateway adds. */
export type ProviderView = ContractProviderView & { readonly circuit?: ProviderCircuit };

/** POST /v1/models/:id/test. */
export interface ModelTestResult {
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly error?: { readonly code: string; readonly message: string };
}

export interface AgentSummary {
  readonly id: string;
  readonly name: string;
  readonly providerId: string;
}

export const PROVIDER_TYPE_OPTIONS: readonly { readonly value: ProviderType; readonly label: string }[] = [
  { value: 'openai', label: 'OpenAI' },
  { value: 'anthropic', label: 'Anthropic' },
  { value: 'custom', label: 'Custom (OpenAI-compatible or Anthropic-compatible)' },
];

export const AUTH_METHOD_OPTIONS: readonly { readonly value: AuthMethod; readonly label: string }[] = [
  { value: 'bearer', label: 'Bearer token (Authorization: Bearer)' },
  { value: 'x_api_key', label: 'x-api-key header' },
  { value: 'custom_headers', label: 'Custom headers' },
];

/** The defaults the API applies by type (libs/contracts PROVIDER_DEFAULTS), shown as placeholders. */
export const DEFAULTS_BY_TYPE: Readonly<Record<ProviderType, { readonly endpoint: string; readonly authMethod: AuthMethod }>> = {
  openai: { endpoint: 'https://api.openai.com/v1', authMethod: 'bearer' },
  anthropic: { endpoint: 'https://api.anthropic.com/v1', authMethod: 'x_api_key' },
  custom: { endpoint: '', authMethod: 'bearer' },
};

export const providerPath = (id: string) => `/v1/providers/${encodeURIComponent(id)}`;
