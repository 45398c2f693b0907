import { Inject, Injectable } from '@nestjs/common';
import {
  ProvidersOps,
  appError,
  fail,
  ok,
  type Actor,
  type AppError,
  type ModelView,
  type ProviderView,
  type Result,
  type TenantActor,
} from '@switchboard/contracts';
import { BusClient } from '@switchboard/messaging';
import { mapUpstreamError, upstreamAuthHeaders, type ClientProtocol } from '@switchboard/llm-protocols';
import type { Logger } from '@switchboard/telemetry';
import { GATEWAY_LOGGER } from '../core/core.tokens.js';
import { upstreamUrl } from './model.resolution.js';
import { discoveredModels } from './models-list.parser.js';
import { ProxyRuntime } from './proxy.runtime.js';

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
    const answer = await this.runtime.upstream.getJson({ tenantId: actor.tenantId, url: upstreamUrl(provider.value.endpoint, '/models'), headers: headers.value });
    if (!answer.ok) {
      const code = answer.error.kind === 'refused_address' ? 'validation_failed' : 'unavailable';
      return fail(appError(code, `model discovery failed: ${answer.error.message}`));
    }
    const { status, json } = answer.value;
    if (status === 401 || status === 403) {
      return fail(appError('validation_failed', `model discovery failed: the provider rejected its credential (${status})`));
    }
    if (status >= 400) return fail(appError('unavailable', `model discovery failed: the provider answered ${status}`));
    const models = discoveredModels(json);
    if (models === null) return fail(appError('unavailable', 'model discovery failed: the provider answered an unrecognised model list'));
    return this.bus.send(ProvidersOps.recordDiscoveredModels, { actor, providerId, models });
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

  /** POST /v1/models/:id/test: max_tokens 1, not streamed, through the same client, headers and credential. */
  async test(actor: TenantActor, modelId: string): Promise<Result<ModelTestResult, AppError>> {
    const found = await this.findModel(actor, modelId);
    if (!found.ok) return found;
    const { provider, model } = found.value;
    const headers = await this.authHeaders(actor.tenantId, provider);
    if (!headers.ok) return headers;
    const protocol: ClientProtocol = provider.protocol === 'anthropic_messages' ? 'anthropic_messages' : 'openai_chat';
    const path = protocol === 'anthropic_messages' ? '/messages' : '/chat/completions';
    const body = { model: model.upstreamModel, max_tokens: 1, messages: [{ role: 'user', content: 'ping' }] };
    const started = performance.now();
    const answer = await this.runtime.upstream.requestJson({
      tenantId: actor.tenantId,
      url: upstreamUrl(provider.endpoint, path),
      method: 'POST',
      headers: { ...headers.value, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const latencyMs = Math.round(performance.now() - started);
    if (!answer.ok) return ok({ ok: false, latencyMs, error: { code: `upstream_${answer.error.kind}`, message: answer.error.message } });
    if (answer.value.status >= 400) {
      const mapped = mapUpstreamError(protocol, answer.value.status, answer.value.json ?? answer.value.text, { providerName: provider.name });
      const message = mapped.body['error'] as { message?: string } | undefined;
      return ok({ ok: false, latencyMs, error: { code: mapped.kind, message: message?.message ?? `upstream answered ${answer.value.status}` } });
    }
    return ok({ ok: true, latencyMs });
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
