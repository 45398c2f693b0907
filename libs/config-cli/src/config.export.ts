import { Document } from 'yaml';
import { PROVIDER_DEFAULTS, type ModelView } from '@switchboard/contracts';
import type { ActualProvider, ActualTenant } from './tenant-state.js';

/** The variable `export` names for a provider's credential: `PROVIDER_<NAME>_API_KEY` or `…_HEADERS`. */
export function placeholderVariable(providerName: string, kind: 'API_KEY' | 'HEADERS'): string {
  const name = providerName.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  return `PROVIDER_${name || 'UNNAMED'}_${kind}`;
}

function exportedModel(model: ModelView): Record<string, unknown> {
  const price = model.price?.source === 'override' ? model.price : null;
  return {
    name: model.name,
    ...(model.upstreamModel === model.name ? {} : { upstreamModel: model.upstreamModel }),
    ...(price === null
      ? {}
      : {
          price: {
            inputUsdPerMTok: price.inputUsdPerMTok,
            outputUsdPerMTok: price.outputUsdPerMTok,
            ...(price.cachedInputUsdPerMTok === price.inputUsdPerMTok ? {} : { cachedInputUsdPerMTok: price.cachedInputUsdPerMTok }),
          },
        }),
  };
}

/**
 * A provider as the file declares it. The credential becomes a placeholder reference: the API never shows a value
 * and export never asks for one. Discovered models are left out (discovery finds them again) unless a fallback
 * names them (a file declares every model its fallbacks name); so are a missing default model (discovery picks one)
 * and fields at their defaults.
 */
function exportedProvider({ view, models }: ActualProvider, fallbackModels: ReadonlySet<string>): Record<string, unknown> {
  const defaults = PROVIDER_DEFAULTS[view.type];
  const auth: Record<string, unknown> = { method: view.authMethod };
  if (view.credential !== null) {
    if (view.authMethod === 'custom_headers') auth['headers'] = `\${env:${placeholderVariable(view.name, 'HEADERS')}}`;
    else auth['apiKey'] = `\${env:${placeholderVariable(view.name, 'API_KEY')}}`;
  }
  const declaredModels = models
    .filter((m) => m.source === 'manual' || ((fallbackModels.has(m.name) || fallbackModels.has(m.upstreamModel)) && m.name !== view.defaultModel))
    .map(exportedModel);
  return {
    name: view.name,
    type: view.type,
    ...(view.endpoint === defaults.endpoint ? {} : { endpoint: view.endpoint }),
    ...(view.protocol === defaults.protocol ? {} : { protocol: view.protocol }),
    auth,
    ...(view.organizationId === null ? {} : { organizationId: view.organizationId }),
    ...(view.defaultModel === null ? {} : { defaultModel: view.defaultModel }),
    ...(view.rateLimitRpm === null ? {} : { rateLimitRpm: view.rateLimitRpm }),
    ...(view.monthlyBudgetUsd === null ? {} : { monthlyBudgetUsd: view.monthlyBudgetUsd }),
    ...(declaredModels.length === 0 ? {} : { models: declaredModels }),
  };
}

/** The tenant as a configuration file; `schemaPath` is how editors find the schema from where the file is written. */
export function exportTenant(tenant: ActualTenant, schemaPath: string): string {
  const providerNames = new Map(tenant.providers.map((p) => [p.view.id, p.view.name]));
  const fallbackModels = new Map<string, Set<string>>();
  for (const { providerId, model } of tenant.agents.flatMap((a) => a.fallbacks)) fallbackModels.set(providerId, (fallbackModels.get(providerId) ?? new Set()).add(model));
  const { version: _settingsVersion, ...settings } = tenant.settings;
  const { version: _alertsVersion, ...alerts } = tenant.alerts;
  const doc = new Document({
    version: 1,
    providers: tenant.providers.map((p) => exportedProvider(p, fallbackModels.get(p.view.id) ?? new Set())),
    agents: tenant.agents.map((agent) => ({
      name: agent.name,
      provider: providerNames.get(agent.providerId) ?? agent.providerId,
      ...(agent.model === null ? {} : { model: agent.model }),
      delivery: agent.delivery,
      ...(agent.monthlyBudgetUsd === null ? {} : { monthlyBudgetUsd: agent.monthlyBudgetUsd }),
      ...(agent.fallbacks.length === 0 ? {} : { fallbacks: agent.fallbacks.map((f) => ({ provider: providerNames.get(f.providerId) ?? f.providerId, model: f.model })) }),
    })),
    settings,
    alerts,
    webhooks: tenant.webhooks.map((w) => ({ url: w.url, events: w.events })),
  });
  doc.commentBefore = [
    ` yaml-language-server: $schema=${schemaPath}`,
    ' Exported by `npx switchboard export`. Credentials are placeholders: set the variables they name before apply.',
  ].join('\n');
  return doc.toString({ lineWidth: 0 });
}
