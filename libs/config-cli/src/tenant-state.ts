import { AgentView, AlertSettingsView, ModelView, ProviderView, TenantSettingsView, WebhookView } from '@switchboard/contracts';
import type { SwitchboardClient } from './switchboard.client.js';

export interface ActualProvider {
  readonly view: ProviderView;
  readonly models: readonly ModelView[];
}

/** What the tenant holds now, as its admin key reads it over REST. */
export interface ActualTenant {
  readonly providers: readonly ActualProvider[];
  readonly agents: readonly AgentView[];
  readonly webhooks: readonly WebhookView[];
  readonly settings: TenantSettingsView;
  readonly alerts: AlertSettingsView;
}

export async function readTenant(client: SwitchboardClient): Promise<ActualTenant> {
  const [providers, agents, webhooks, settings, alerts] = await Promise.all([
    client.listAll('/v1/providers', ProviderView),
    client.listAll('/v1/agents', AgentView),
    client.listAll('/v1/webhooks', WebhookView),
    client.request('GET', '/v1/settings', TenantSettingsView),
    client.request('GET', '/v1/alerts/settings', AlertSettingsView),
  ]);
  const withModels = await Promise.all(
    providers.map(async (view) => ({ view, models: await client.listAll(`/v1/providers/${encodeURIComponent(view.id)}/models`, ModelView) })),
  );
  return { providers: withModels, agents, webhooks, settings: settings.value, alerts: alerts.value };
}
