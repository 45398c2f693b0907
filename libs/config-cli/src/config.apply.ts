import { z } from 'zod';
import { AgentView, AlertSettingsView, CreatedWebhookView, ModelView, ProviderView, TenantSettingsView } from '@switchboard/contracts';
import { ConfigError } from './config.errors.js';
import { modelFields } from './config.plan.js';
import type { DeclaredCredential, DeclaredModel, DeclaredProvider } from './config.types.js';
import { assertNever, subjectOf, type Change } from './plan.changes.js';
import { parseHeadersValue, resolveSecretReference, type SecretSources } from './secret-reference.js';
import { ApiRefusal, etagOfVersion, type SwitchboardClient } from './switchboard.client.js';
import type { ActualTenant } from './tenant-state.js';

const Empty = z.unknown();

export interface ApplyReport {
  /** One line per change made, as it is made. */
  readonly progress: (line: string) => void;
  /** A webhook's signing secret, shown by the API once; undefined: not shown. */
  readonly webhookSecret?: (url: string, secret: string) => void;
}

const path = (...parts: string[]): string => `/v1/${parts.map(encodeURIComponent).join('/')}`;

/** The credential fields of a create or update body, values read from their references only now. */
function credentialBody(credential: DeclaredCredential | null, sources: SecretSources): Record<string, unknown> {
  if (credential === null) return {};
  switch (credential.kind) {
    case 'api_key':
      return { apiKey: resolveSecretReference(credential.apiKey, sources) };
    case 'headers':
      return { customHeaders: Object.fromEntries(Object.entries(credential.headers).map(([name, ref]) => [name, resolveSecretReference(ref, sources)])) };
    case 'headers_json':
      return { customHeaders: parseHeadersValue(credential.headers, resolveSecretReference(credential.headers, sources)) };
    default:
      return assertNever(credential);
  }
}

/** Every reference a change will read, resolved up front: a missing one stops apply before anything changes. */
export function checkReferences(changes: readonly Change[], sources: SecretSources): void {
  for (const change of changes) {
    if (change.type === 'create_provider') credentialBody(change.provider.credential, sources);
    if (change.type === 'update_provider') credentialBody(change.credential, sources);
  }
}

const modelBody = (model: DeclaredModel): Record<string, unknown> => ({
  name: model.name,
  ...(model.upstreamModel === model.name ? {} : { upstreamModel: model.upstreamModel }),
  ...(model.price === null
    ? {}
    : {
        inputUsdPerMTok: model.price.inputUsdPerMTok,
        outputUsdPerMTok: model.price.outputUsdPerMTok,
        ...(model.price.cachedInputUsdPerMTok === null ? {} : { cachedInputUsdPerMTok: model.price.cachedInputUsdPerMTok }),
      }),
});

const providerBody = (provider: DeclaredProvider): Record<string, unknown> => ({
  name: provider.name,
  type: provider.type,
  endpoint: provider.endpoint,
  protocol: provider.protocol,
  authMethod: provider.authMethod,
  ...(provider.organizationId === null ? {} : { organizationId: provider.organizationId }),
  ...(typeof provider.defaultModel === 'string' ? { defaultModel: provider.defaultModel } : {}),
  ...(provider.rateLimitRpm === null ? {} : { rateLimitRpm: provider.rateLimitRpm }),
  ...(provider.monthlyBudgetUsd === null ? {} : { monthlyBudgetUsd: provider.monthlyBudgetUsd }),
});

/**
 * Makes a plan's changes one after another, in its order, each update and delete with If-Match from the version
 * read. Stops at the first refusal: the error names the change and carries the API's code and message.
 */
export class PlanApplier {
  /** Provider ids by lower-cased name: those read, then those made. */
  private readonly providerIds: Map<string, string>;
  private readonly agentNames: ReadonlyMap<string, string>;

  constructor(
    private readonly client: SwitchboardClient,
    tenant: ActualTenant,
    private readonly sources: SecretSources,
    private readonly report: ApplyReport,
  ) {
    this.providerIds = new Map(tenant.providers.map((p) => [p.view.name.toLowerCase(), p.view.id]));
    this.agentNames = new Map(tenant.agents.map((a) => [a.id, a.name]));
  }

  async apply(changes: readonly Change[]): Promise<number> {
    checkReferences(changes, this.sources);
    let done = 0;
    for (const change of changes) {
      try {
        const outcome = await this.make(change);
        this.report.progress(`${outcome} ${subjectOf(change)}`);
        done += 1;
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        const details = error instanceof ApiRefusal ? refusalDetails(error, this.agentNames) : error.details;
        throw new ConfigError(error.code, `apply stopped at ${subjectOf(change)}: ${error.message} (${done} of ${changes.length} changes made)`, details);
      }
    }
    return done;
  }

  private providerId(name: string): string {
    const id = this.providerIds.get(name.toLowerCase());
    if (id === undefined) throw new ConfigError('plan_impossible', `provider "${name}" does not exist`);
    return id;
  }

  private async make(change: Change): Promise<string> {
    const { client } = this;
    switch (change.type) {
      case 'update_settings':
        await client.request('PATCH', '/v1/settings', TenantSettingsView, { body: change.body, ifMatch: etagOfVersion(change.existing.version ?? 0) });
        return 'updated';
      case 'update_alerts':
        await client.request('PUT', '/v1/alerts/settings', AlertSettingsView, { body: change.body, ifMatch: etagOfVersion(change.existing.version ?? 0) });
        return 'updated';
      case 'create_provider': {
        const body = { ...providerBody(change.provider), ...credentialBody(change.provider.credential, this.sources) };
        const created = await client.request('POST', '/v1/providers', ProviderView, { body });
        this.providerIds.set(change.provider.name.toLowerCase(), created.value.id);
        return 'created';
      }
      case 'update_provider': {
        const body = { ...change.body, ...credentialBody(change.credential, this.sources) };
        await client.request('PATCH', path('providers', change.existing.id), ProviderView, { body, ifMatch: etagOfVersion(change.existing.version ?? 0) });
        return 'updated';
      }
      case 'create_model':
        await this.addModel(change.provider, change.model);
        return 'created';
      case 'replace_model':
        await client.request('DELETE', path('models', change.existing.id), Empty);
        await this.addModel(change.provider, change.model);
        return 'replaced';
      case 'create_agent':
      case 'update_agent': {
        const { agent } = change;
        // Fallbacks name providers by name in the file; made earlier in the plan if new, so their ids are known here.
        const fallbacks = agent.fallbacks.map((f) => ({ providerId: this.providerId(f.provider), model: f.model }));
        const body = {
          name: agent.name,
          providerId: this.providerId(agent.provider),
          ...(agent.model === null ? {} : { model: agent.model }),
          delivery: agent.delivery,
          ...(agent.monthlyBudgetUsd === null ? {} : { monthlyBudgetUsd: agent.monthlyBudgetUsd }),
          ...(fallbacks.length === 0 ? {} : { fallbacks }),
        };
        if (change.type === 'create_agent') {
          await client.request('POST', '/v1/agents', AgentView, { body });
          return 'created';
        }
        const changed = Object.fromEntries(
          change.fields.map((f) =>
            f.field === 'provider' ? ['providerId', body.providerId] : f.field === 'fallbacks' ? ['fallbacks', fallbacks] : [f.field, agent[f.field as keyof typeof agent]],
          ),
        );
        await client.request('PATCH', path('agents', change.existing.id), AgentView, { body: changed, ifMatch: etagOfVersion(change.existing.version ?? 0) });
        return 'updated';
      }
      case 'create_webhook':
      case 'replace_webhook': {
        if (change.type === 'replace_webhook') await client.request('DELETE', path('webhooks', change.existing.id), Empty);
        const created = await client.request('POST', '/v1/webhooks', CreatedWebhookView, { body: { url: change.webhook.url, events: change.webhook.events } });
        this.report.webhookSecret?.(created.value.url, created.value.secret);
        return change.type === 'create_webhook' ? 'created' : 'replaced';
      }
      case 'delete_agent':
        await client.request('DELETE', path('agents', change.existing.id), Empty, { ifMatch: etagOfVersion(change.existing.version ?? 0) });
        return 'deleted';
      case 'delete_model':
        await client.request('DELETE', path('models', change.existing.id), Empty);
        return 'deleted';
      case 'delete_provider':
        await client.request('DELETE', path('providers', change.existing.id), Empty, { ifMatch: etagOfVersion(change.existing.version ?? 0) });
        return 'deleted';
      case 'delete_webhook':
        await client.request('DELETE', path('webhooks', change.existing.id), Empty);
        return 'deleted';
      default:
        return assertNever(change);
    }
  }

  /**
   * Adds a declared model. The name may already be taken by one the API made meanwhile: the provider's default
   * model at registration, or one discovery listed. That one stays when it is what the file declares, else it
   * gives way to the declared one.
   */
  private async addModel(providerName: string, model: DeclaredModel): Promise<void> {
    const providerId = this.providerId(providerName);
    try {
      await this.client.request('POST', path('providers', providerId, 'models'), ModelView, { body: modelBody(model) });
    } catch (error) {
      if (!(error instanceof ApiRefusal) || error.apiCode !== 'model_name_taken') throw error;
      const models = await this.client.listAll(path('providers', providerId, 'models'), ModelView);
      const taken = models.find((m) => m.name === model.name);
      if (taken === undefined) throw error;
      if (modelFields(model, taken).length === 0) return;
      await this.client.request('DELETE', path('models', taken.id), Empty);
      await this.client.request('POST', path('providers', providerId, 'models'), ModelView, { body: modelBody(model) });
    }
  }
}

/** What a refusal carries besides its message: the agents that keep a provider in use, by name. */
function refusalDetails(refusal: ApiRefusal, agentNames: ReadonlyMap<string, string>): string[] {
  const dependents = refusal.body['dependents'];
  if (typeof dependents !== 'object' || dependents === null) return [];
  const agents = (dependents as { agents?: unknown }).agents;
  if (!Array.isArray(agents) || agents.length === 0) return [];
  const names = agents.map((id) => (typeof id === 'string' ? `"${agentNames.get(id) ?? id}"` : '?'));
  return [`still used by agent${names.length === 1 ? '' : 's'} ${names.join(', ')}: delete or move ${names.length === 1 ? 'it' : 'them'} first (with --prune, by naming ${names.length === 1 ? 'it' : 'them'} nowhere in an agents section)`];
}
