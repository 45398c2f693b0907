import type { AgentView, ModelView, ProviderView, WebhookView } from '@switchboard/contracts';
import { ConfigError } from './config.errors.js';
import type { DeclaredAgent, DeclaredFallback, DeclaredModel, DeclaredProvider, DeclaredTenant } from './config.types.js';
import { credentialShown, type Change, type FieldChange, type Plan } from './plan.changes.js';
import type { ActualProvider, ActualTenant } from './tenant-state.js';

export interface PlanOptions {
  /** Delete what the file does not name (within the sections it has). */
  readonly prune: boolean;
  /** Send every declared credential again: the API never shows a key, so a changed value cannot be seen. */
  readonly rotateCredentials: boolean;
}

const key = (name: string): string => name.toLowerCase();

function changedFields<T extends object>(fields: readonly (keyof T & string)[], actual: T, declared: Partial<T>): FieldChange[] {
  return fields.flatMap((field) => {
    const to = declared[field];
    // Undefined in the file: not managed.
    if (to === undefined || Object.is(actual[field], to)) return [];
    return [{ field, from: actual[field], to }];
  });
}

/** Whether a model the tenant has is what the file declares; discovered models satisfy an unpriced declaration. */
export function modelFields(declared: DeclaredModel, actual: ModelView): FieldChange[] {
  if (declared.implicit) return [];
  const fields: FieldChange[] = [];
  if (declared.upstreamModel !== actual.upstreamModel) fields.push({ field: 'upstreamModel', from: actual.upstreamModel, to: declared.upstreamModel });
  const override = actual.price?.source === 'override' ? actual.price : null;
  const want = declared.price;
  if (want === null) {
    if (override !== null) fields.push({ field: 'price', from: `${override.inputUsdPerMTok}/${override.outputUsdPerMTok}`, to: null });
    return fields;
  }
  const cached = want.cachedInputUsdPerMTok ?? want.inputUsdPerMTok;
  const figures: [string, number | null, number][] = [
    ['inputUsdPerMTok', override?.inputUsdPerMTok ?? null, want.inputUsdPerMTok],
    ['outputUsdPerMTok', override?.outputUsdPerMTok ?? null, want.outputUsdPerMTok],
    ['cachedInputUsdPerMTok', override?.cachedInputUsdPerMTok ?? null, cached],
  ];
  for (const [field, from, to] of figures) if (from !== to) fields.push({ field, from, to });
  return fields;
}

const PROVIDER_FIELDS = ['endpoint', 'protocol', 'authMethod', 'organizationId', 'defaultModel', 'rateLimitRpm', 'monthlyBudgetUsd'] as const;

function providerChange(declared: DeclaredProvider, actual: ProviderView, options: PlanOptions): Change | null {
  if (declared.type !== actual.type) {
    throw new ConfigError('plan_impossible', `provider "${actual.name}": type cannot change (${actual.type} → ${declared.type}); give the new one another name`);
  }
  const fields = changedFields<Pick<ProviderView, (typeof PROVIDER_FIELDS)[number] | 'name'>>(['name', ...PROVIDER_FIELDS], actual, declared);
  // A credential is sent when the provider has none, when the auth method changes kind, or when asked to rotate.
  const sendCredential =
    declared.credential !== null && (actual.credential === null || fields.some((f) => f.field === 'authMethod') || options.rotateCredentials);
  if (sendCredential) fields.push({ field: 'credential', from: actual.credential === null ? null : 'set', to: credentialShown(declared.credential) });
  if (fields.length === 0) return null;
  const body = Object.fromEntries(fields.filter((f) => f.field !== 'credential').map((f) => [f.field, f.to]));
  return {
    type: 'update_provider',
    name: declared.name,
    existing: { id: actual.id, version: actual.version },
    fields,
    body,
    credential: sendCredential ? declared.credential : null,
  };
}

function modelChanges(declared: DeclaredProvider, actual: ActualProvider | undefined, options: PlanOptions): { changes: Change[]; deletes: Change[]; kept: string[] } {
  const changes: Change[] = [];
  const models = new Map((actual?.models ?? []).map((m) => [m.name, m]));
  for (const model of declared.models) {
    // A new provider registered with its default model gets that model from the API itself.
    if (actual === undefined && model.implicit) continue;
    const existing = models.get(model.name);
    if (existing === undefined) changes.push({ type: 'create_model', provider: declared.name, model });
    else {
      const fields = modelFields(model, existing);
      if (fields.length > 0) changes.push({ type: 'replace_model', provider: declared.name, model, existing: { id: existing.id, version: null }, fields });
    }
  }
  const named = new Set(declared.models.map((m) => m.name));
  // The default the file leaves to the API stays, whatever it is; discovered models are the upstream's list.
  if (declared.defaultModel === undefined && actual?.view.defaultModel) named.add(actual.view.defaultModel);
  const extra = (actual?.models ?? []).filter((m) => m.source === 'manual' && !named.has(m.name));
  const deletes: Change[] = options.prune ? extra.map((m) => ({ type: 'delete_model', provider: declared.name, name: m.name, existing: { id: m.id, version: null } })) : [];
  return { changes, deletes, kept: options.prune ? [] : extra.map((m) => `model "${m.name}" of provider "${declared.name}"`) };
}

/** A fallback as plan shows it: `provider/model`. */
export const fallbackShown = (fallback: DeclaredFallback): string => `${fallback.provider}/${fallback.model}`;

/** Fallbacks are one ordered value: any difference, a reordering included, sends the whole list. */
function sameFallbacks(declared: readonly DeclaredFallback[], actual: readonly DeclaredFallback[]): boolean {
  return declared.length === actual.length && declared.every((f, i) => key(f.provider) === key(actual[i]?.provider ?? '') && f.model === actual[i]?.model);
}

function agentChange(declared: DeclaredAgent, actual: AgentView, providerNameOf: ReadonlyMap<string, string>): Change | null {
  const fields = changedFields<Pick<AgentView, 'name' | 'model' | 'delivery' | 'monthlyBudgetUsd'>>(['name', 'model', 'delivery', 'monthlyBudgetUsd'], actual, declared);
  const providerName = providerNameOf.get(actual.providerId);
  if (providerName === undefined || key(providerName) !== key(declared.provider)) fields.splice(1, 0, { field: 'provider', from: providerName ?? actual.providerId, to: declared.provider });
  const fallbacks = actual.fallbacks.map((f) => ({ provider: providerNameOf.get(f.providerId) ?? f.providerId, model: f.model }));
  if (!sameFallbacks(declared.fallbacks, fallbacks)) fields.push({ field: 'fallbacks', from: fallbacks.map(fallbackShown), to: declared.fallbacks.map(fallbackShown) });
  return fields.length === 0 ? null : { type: 'update_agent', name: declared.name, existing: { id: actual.id, version: actual.version }, fields, agent: declared };
}

/**
 * Names a provider's models will answer to once the plan is applied (names and upstream names, as the API resolves a
 * fallback's model): those the file declares for it, and those of the tenant that no plan deletes.
 */
function modelsAfterPlan(file: DeclaredTenant, tenant: ActualTenant): Map<string, Set<string>> {
  const names = new Map<string, Set<string>>();
  const add = (provider: string, ...models: string[]): void => {
    const set = names.get(key(provider)) ?? new Set<string>();
    for (const model of models) set.add(model);
    names.set(key(provider), set);
  };
  for (const provider of file.providers ?? []) add(provider.name, ...provider.models.flatMap((m) => [m.name, m.upstreamModel]));
  for (const provider of tenant.providers) {
    // Of a provider the file declares, manual models the file does not name may be pruned; discovered ones stay.
    const kept = file.providers === undefined ? provider.models : provider.models.filter((m) => m.source === 'discovered');
    add(provider.view.name, ...kept.flatMap((m) => [m.name, m.upstreamModel]));
  }
  return names;
}

function checkFallbacks(agent: DeclaredAgent, willExist: ReadonlySet<string>, models: ReadonlyMap<string, ReadonlySet<string>>): void {
  agent.fallbacks.forEach((fallback, i) => {
    const where = `agent "${agent.name}": fallbacks[${i}]`;
    if (!willExist.has(key(fallback.provider))) throw new ConfigError('plan_impossible', `${where}: provider "${fallback.provider}" does not exist`);
    if (!models.get(key(fallback.provider))?.has(fallback.model)) {
      throw new ConfigError('plan_impossible', `${where}: provider "${fallback.provider}" has no model "${fallback.model}"`);
    }
  });
}

function sameEvents(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((event) => b.includes(event));
}

/**
 * The changes that make the tenant what the file declares, in the order apply makes them. Pure: the file and
 * the tenant's state in, the plan out.
 */
export function planChanges(file: DeclaredTenant, tenant: ActualTenant, options: PlanOptions): Plan {
  const head: Change[] = [];
  const models: Change[] = [];
  const providerUpdates: Change[] = [];
  const agents: Change[] = [];
  const webhooks: Change[] = [];
  const deletes: { agents: Change[]; models: Change[]; providers: Change[]; webhooks: Change[] } = { agents: [], models: [], providers: [], webhooks: [] };
  const unmanaged: string[] = [];

  if (file.settings) {
    const fields = changedFields(['unpricedModels', 'serverHistoryTokens', 'serverToolCallUsd'], tenant.settings, file.settings);
    const body = Object.fromEntries(fields.map((f) => [f.field, f.to]));
    if (fields.length > 0) head.push({ type: 'update_settings', existing: { id: 'settings', version: tenant.settings.version }, fields, body });
  }
  if (file.alerts) {
    const fields = changedFields(['errorRatePct', 'minRequests', 'p95LatencyMs', 'spikeFactor', 'windowMinutes', 'baselineWindows'], tenant.alerts, file.alerts);
    const body = Object.fromEntries(fields.map((f) => [f.field, f.to]));
    if (fields.length > 0) head.push({ type: 'update_alerts', existing: { id: 'alerts', version: tenant.alerts.version }, fields, body });
  }

  const actualProviders = new Map(tenant.providers.map((p) => [key(p.view.name), p]));
  if (file.providers) {
    for (const declared of file.providers) {
      const actual = actualProviders.get(key(declared.name));
      if (actual === undefined) head.push({ type: 'create_provider', provider: declared });
      else {
        const update = providerChange(declared, actual.view, options);
        if (update) providerUpdates.push(update);
      }
      const planned = modelChanges(declared, actual, options);
      models.push(...planned.changes);
      deletes.models.push(...planned.deletes);
      unmanaged.push(...planned.kept);
    }
    const declaredNames = new Set(file.providers.map((p) => key(p.name)));
    for (const actual of tenant.providers.filter((p) => !declaredNames.has(key(p.view.name)))) {
      if (options.prune) deletes.providers.push({ type: 'delete_provider', name: actual.view.name, existing: { id: actual.view.id, version: actual.view.version } });
      else unmanaged.push(`provider "${actual.view.name}"`);
    }
  }

  const providerNameOf = new Map(tenant.providers.map((p) => [p.view.id, p.view.name]));
  if (file.agents) {
    const actualAgents = new Map(tenant.agents.map((a) => [key(a.name), a]));
    const willExist = new Set([...(file.providers ?? []).map((p) => key(p.name)), ...(file.providers ? [] : tenant.providers.map((p) => key(p.view.name)))]);
    const models = modelsAfterPlan(file, tenant);
    for (const declared of file.agents) {
      if (!willExist.has(key(declared.provider))) throw new ConfigError('plan_impossible', `agent "${declared.name}": provider "${declared.provider}" does not exist`);
      checkFallbacks(declared, willExist, models);
      const actual = actualAgents.get(key(declared.name));
      const change = actual === undefined ? ({ type: 'create_agent', agent: declared } as const) : agentChange(declared, actual, providerNameOf);
      if (change) agents.push(change);
    }
    const declaredNames = new Set(file.agents.map((a) => key(a.name)));
    for (const actual of tenant.agents.filter((a) => !declaredNames.has(key(a.name)))) {
      if (options.prune) deletes.agents.push({ type: 'delete_agent', name: actual.name, existing: { id: actual.id, version: actual.version } });
      else unmanaged.push(`agent "${actual.name}"`);
    }
  }

  if (file.webhooks) {
    const actualHooks = new Map<string, WebhookView>(tenant.webhooks.map((w) => [w.url, w]));
    for (const declared of file.webhooks) {
      const actual = actualHooks.get(declared.url);
      if (actual === undefined) webhooks.push({ type: 'create_webhook', webhook: declared });
      else if (!sameEvents(actual.events, declared.events)) {
        webhooks.push({ type: 'replace_webhook', webhook: declared, existing: { id: actual.id, version: null }, fields: [{ field: 'events', from: actual.events, to: declared.events }] });
      }
    }
    const declaredUrls = new Set(file.webhooks.map((w) => w.url));
    for (const actual of tenant.webhooks.filter((w) => !declaredUrls.has(w.url))) {
      if (options.prune) deletes.webhooks.push({ type: 'delete_webhook', url: actual.url, existing: { id: actual.id, version: null } });
      else unmanaged.push(`webhook "${actual.url}"`);
    }
  }

  // A deleted provider takes its models with it.
  const goneProviders = new Set(deletes.providers.map((c) => (c.type === 'delete_provider' ? key(c.name) : '')));
  const modelDeletes = deletes.models.filter((c) => c.type === 'delete_model' && !goneProviders.has(key(c.provider)));
  return {
    changes: [...head, ...models, ...providerUpdates, ...agents, ...webhooks, ...deletes.agents, ...modelDeletes, ...deletes.providers, ...deletes.webhooks],
    unmanaged,
  };
}
