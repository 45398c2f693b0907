import { Inject, Injectable } from '@nestjs/common';
import {
  ProvidersOps,
  appError,
  fail,
  ok,
  type Actor,
  type AppError,
  type CredentialCheckSource,
  type DiscoveredModel,
  type ModelView,
  type ProviderView,
  type Result,
  type TenantActor,
} from '@switchboard/contracts';
import { BusClient } from '@switchboard/messaging';
import { mapUpstreamError, upstreamAuthHeaders, type ClientProtocol } from '@switchboard/llm-protocols';
import type { Logger } from '@switchboard/telemetry';
import { GATEWAY_LOGGER } from '../../core/core.tokens.js';
import { upstreamUrl } from '../route/model.resolution.js';
import { discoveredModels, MAX_MODELS } from './models-list.parser.js';

/** What one check found of the provider's credential. */
interface Verdict {
  readonly state: CheckedState;
  readonly detail: string;
}

/** The Test action's call in each dialect. */
const TEST_CALLS: Readonly<Record<ClientProtocol, (model: string) => { path: string; body: Record<string, unknown> }>> = {
  openai_chat: (model) => ({ path: '/chat/completions', body: { model, max_completion_tokens: 1, messages: [{ role: 'user', content: 'ping' }] } }),
  // The Responses API takes no fewer than 16 output tokens.
  openai_responses: (model) => ({ path: '/responses', body: { model, max_output_tokens: 16, input: 'ping' } }),
  anthropic_messages: (model) => ({ path: '/messages', body: { model, max_tokens: 1, messages: [{ role: 'user', content: 'ping' }] } }),
};

/** Pages of a model list discovery reads at most (Anthropic serves up to 1000 models a page). */
const MAX_PAGES = 50;
import type { CheckedState } from '../forward/credential-checks.js';
import { ProxyRuntime } from '../proxy.runtime.js';

export interface ModelTestResult {
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly error?: { readonly code: string; readonly message: string };
}

/**
 * Model discovery (GET `${endpoint}/models`) and the Test action (the smallest real call), through the proxy's
 * UpstreamClient and credential cache. Discovery errors become management errors: an endpoint the egress
 * policy refuses, or a credential the provider rejects (401/403), is `validation_failed` (400: the tenant must
 * fix the provider); an upstream that is down or answers garbage is `unavailable` (503).
 */
@Injectable()
export class ModelDiscovery {
  constructor(
    private readonly bus: BusClient,
    private readonly runtime: ProxyRuntime,
    @Inject(GATEWAY_LOGGER) private readonly logger: Logger,
  ) {}

  async discover(actor: TenantActor, providerId: string): Promise<Result<{ data: ModelView[] }, AppError>> {
    const provider = await this.bus.send(ProvidersOps.getProvider, { actor, id: providerId });
    if (!provider.ok) return provider;
    const headers = await this.authHeaders(actor.tenantId, provider.value);
    if (!headers.ok) return headers;
    const { listed, verdict } = await this.listModels(actor.tenantId, provider.value, headers.value);
    if (verdict !== null) this.reportCheck(actor.tenantId, provider.value, 'discovery', verdict);
    if (!listed.ok) return listed;
    const models = listed.value;
    return this.bus.send(ProvidersOps.recordDiscoveredModels, { actor, providerId, models });
  }

  /**
   * Every page of the upstream's model list: Anthropic's pages (`limit`, `after_id`), and OpenAI-style lists that
   * say `has_more` (`after`). Stops at MAX_MODELS models or MAX_PAGES pages, and on a page that does not advance.
   */
  private async listModels(tenantId: string, provider: ProviderView, headers: Record<string, string>): Promise<{ listed: Result<DiscoveredModel[], AppError>; verdict: Verdict | null }> {
    const anthropic = provider.protocol === 'anthropic_messages';
    const models: DiscoveredModel[] = [];
    let after: string | null = null;
    for (let page = 0; page < MAX_PAGES && models.length < MAX_MODELS; page++) {
      const url = new URL(upstreamUrl(provider.endpoint, '/models'));
      if (anthropic) url.searchParams.set('limit', '1000');
      if (after !== null) url.searchParams.set(anthropic ? 'after_id' : 'after', after);
      const answer = await this.runtime.upstream.getJson({ tenantId, url: url.href, headers });
      if (!answer.ok) {
        const refused = answer.error.kind === 'refused_address';
        return {
          listed: fail(appError(refused ? 'validation_failed' : 'unavailable', `model discovery failed: ${answer.error.message}`)),
          verdict: refused ? null : { state: 'unreachable', detail: `the upstream could not be reached when models were discovered (${answer.error.kind})` },
        };
      }
      const { status, json } = answer.value;
      if (status === 401 || status === 403) {
        return {
          listed: fail(appError('validation_failed', `model discovery failed: the provider rejected its credential (${status})`)),
          verdict: { state: 'rejected', detail: `rejected by the upstream (${status}) when models were discovered` },
        };
      }
      if (status >= 400) return { listed: fail(appError('unavailable', `model discovery failed: the provider answered ${status}`)), verdict: null };
      const listed = discoveredModels(json);
      if (listed === null) {
        return { listed: fail(appError('unavailable', 'model discovery failed: the provider answered an unrecognised model list')), verdict: null };
      }
      models.push(...listed.models.slice(0, MAX_MODELS - models.length));
      if (listed.after === null || listed.after === after) break;
      after = listed.after;
    }
    return { listed: ok(models), verdict: { state: 'valid', detail: 'accepted by the upstream when models were discovered' } };
  }

  private reportCheck(tenantId: string, provider: ProviderView, source: CredentialCheckSource, verdict: Verdict): void {
    const secretId = provider.credential?.secretId ?? null;
    this.runtime.credentialChecks.report({ tenantId, providerId: provider.id, secretId, source, ...verdict });
  }

  /** After a credential was saved: best effort, never failing the request that saved it. */
  discoverInBackground(actor: TenantActor, providerIds: readonly string[]): void {
    for (const providerId of providerIds) {
      void this.discover(actor, providerId).then(
        (result) => {
          // The code only: the message may quote what the upstream sent.
          if (!result.ok) this.logger.info('automatic model discovery skipped', { providerId, code: result.error.code });
        },
        (error: unknown) => this.logger.warn('automatic model discovery failed', { providerId, error: (error as Error).message }),
      );
    }
  }

  /** The providers using a rotated secret are rediscovered with the new value. */
  async rediscoverForSecret(actor: TenantActor, secretId: string): Promise<void> {
    this.runtime.credentials.drop(secretId);
    const dependents = await this.bus.send(ProvidersOps.secretDependents, { actor, secretId });
    if (dependents.ok) this.discoverInBackground(actor, dependents.value.providers);
  }

  /**
   * POST /v1/models/:id/test: the smallest real call, not streamed, through the same client, headers and credential,
   * in the model family's dialect: Anthropic messages with `max_tokens`, OpenAI chat completions with
   * `max_completion_tokens` (reasoning models refuse `max_tokens`), and the Responses API with `max_output_tokens`
   * for a model the upstream serves only there.
   */
  async test(actor: TenantActor, modelId: string): Promise<Result<ModelTestResult, AppError>> {
    const found = await this.findModel(actor, modelId);
    if (!found.ok) return found;
    const { provider, model } = found.value;
    const headers = await this.authHeaders(actor.tenantId, provider);
    if (!headers.ok) return headers;
    const started = performance.now();
    const first: ClientProtocol = provider.protocol === 'anthropic_messages' ? 'anthropic_messages' : 'openai_chat';
    let probed = await this.probe(actor.tenantId, provider, model.upstreamModel, first, headers.value, started);
    if (first === 'openai_chat' && !probed.result.ok && /v1\/responses/.test(probed.result.error?.message ?? '')) {
      probed = await this.probe(actor.tenantId, provider, model.upstreamModel, 'openai_responses', headers.value, started);
    }
    const { result, status } = probed;
    const verdict: Verdict | null =
      status === null
        ? { state: 'unreachable', detail: `the upstream could not be reached when model ${model.name} was tested` }
        : status === 401 || status === 403
          ? { state: 'rejected', detail: `rejected by the upstream (${status}) when model ${model.name} was tested` }
          : status < 500
            ? { state: 'valid', detail: `accepted by the upstream when model ${model.name} was tested` }
            : null;
    if (verdict !== null) this.reportCheck(actor.tenantId, provider, 'test', verdict);
    return ok(result);
  }

  private async probe(
    tenantId: string,
    provider: ProviderView,
    upstreamModel: string,
    protocol: ClientProtocol,
    headers: Record<string, string>,
    started: number,
  ): Promise<{ readonly result: ModelTestResult; readonly status: number | null }> {
    const { path, body } = TEST_CALLS[protocol](upstreamModel);
    const answer = await this.runtime.upstream.requestJson({
      tenantId,
      url: upstreamUrl(provider.endpoint, path),
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const latencyMs = Math.round(performance.now() - started);
    if (!answer.ok) return { status: null, result: { ok: false, latencyMs, error: { code: `upstream_${answer.error.kind}`, message: answer.error.message } } };
    const { status } = answer.value;
    if (status < 400) return { status, result: { ok: true, latencyMs } };
    const mapped = mapUpstreamError(protocol, answer.value.status, answer.value.json ?? answer.value.text, { providerName: provider.name });
    // The upstream's own message where it describes the request; never for a 401, where providers echo part of the key.
    const message = (mapped.body['error'] as { message?: string } | undefined)?.message;
    return { status, result: { ok: false, latencyMs, error: { code: mapped.kind, message: message ?? `upstream answered ${status}` } } };
  }

  /** There is no get-model operation: the tenant's providers are searched (a management action, not the hot path). */
  private async findModel(actor: Actor, modelId: string): Promise<Result<{ provider: ProviderView; model: ModelView }, AppError>> {
    const providers = await this.bus.send(ProvidersOps.listProviders, { actor });
    if (!providers.ok) return providers;
    for (const provider of providers.value.data) {
      const models = await this.bus.send(ProvidersOps.listModels, { actor, providerId: provider.id });
      if (!models.ok) return models;
      const model = models.value.data.find((m) => m.id === modelId);
      if (model) return ok({ provider, model });
    }
    return fail(appError('model_not_found', `model ${modelId} not found`));
  }

  private async authHeaders(tenantId: string, provider: ProviderView): Promise<Result<Record<string, string>, AppError>> {
    const options = { providerProtocol: provider.protocol, organizationId: provider.organizationId ?? null };
    const secretId = provider.credential?.secretId ?? null;
    if (secretId === null) return ok(upstreamAuthHeaders(provider.authMethod, {}, options));
    const credential = await this.runtime.credentials.get(tenantId, secretId);
    if (!credential.ok) return fail(appError('unavailable', "the provider's credential could not be obtained"));
    return ok(upstreamAuthHeaders(provider.authMethod, credential.value.upstream, options));
  }
}
