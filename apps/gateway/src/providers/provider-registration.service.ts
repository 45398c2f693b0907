import { Inject, Injectable } from '@nestjs/common';
import {
  CredentialsOps,
  PROVIDER_DEFAULTS,
  ProvidersOps,
  type TenantActor,
  type CreateProviderBody,
  type ProviderView,
  type SecretKind,
} from '@switchboard/contracts';
import { BusClient } from '@switchboard/messaging';
import type { Logger } from '@switchboard/telemetry';
import { GATEWAY_LOGGER } from '../core/core.tokens.js';
import { ProviderCredentials } from '../credentials/provider-credentials.service.js';
import { SecretValues } from '../credentials/secret-values.service.js';
import { ApiErrorException, unwrap } from '../http/api-error.exception.js';

/** Secret names are Names (≤ 100 characters); a long provider name is shortened to leave room for the suffix. */
export function credentialSecretName(providerName: string, kind: SecretKind): string {
  const suffix = kind === 'api_key' ? ' api key' : ' headers';
  return `${providerName.slice(0, 100 - suffix.length).trimEnd()}${suffix}`;
}

/**
 * POST /v1/providers with a credential: the value becomes a secret in credentials-service first, then the
 * provider is registered with its id; providers-service only ever holds the reference. If registration fails,
 * the secret just made is deleted again (best effort: credentials-service refuses to delete a secret a
 * provider uses, so a registration that did commit after all keeps its secret).
 */
@Injectable()
export class ProviderRegistration {
  constructor(
    private readonly bus: BusClient,
    private readonly secrets: SecretValues,
    private readonly credentials: ProviderCredentials,
    @Inject(GATEWAY_LOGGER) private readonly logger: Logger,
  ) {}

  async register(actor: TenantActor, body: CreateProviderBody): Promise<ProviderView> {
    const { apiKey, customHeaders, ...settings } = body;
    if (apiKey === undefined && customHeaders === undefined) {
      if (settings.secretId !== undefined) await this.checkSecret(actor, body, settings.secretId);
      return this.credentials.fillOne(actor, unwrap(await this.bus.send(ProvidersOps.registerProvider, { actor, body: settings })));
    }
    const kind: SecretKind = apiKey !== undefined ? 'api_key' : 'headers';
    const value = apiKey ?? JSON.stringify(customHeaders);
    const secret = unwrap(await this.secrets.create(actor, { name: credentialSecretName(body.name, kind), kind, value }));
    const registered = await this.bus.send(ProvidersOps.registerProvider, { actor, body: { ...settings, secretId: secret.id } });
    if (!registered.ok) {
      await this.compensate(actor, secret.id);
      throw ApiErrorException.of(registered.error);
    }
    return this.credentials.fillOne(actor, registered.value);
  }

  /** An existing secret must be the tenant's and of the kind the provider's auth method sends. */
  private async checkSecret(actor: TenantActor, body: CreateProviderBody, secretId: string): Promise<void> {
    const secret = await this.credentials.find(actor, secretId);
    if (secret === null) throw new ApiErrorException('secret_not_found', `secret ${secretId} not found`);
    const authMethod = body.authMethod ?? PROVIDER_DEFAULTS[body.type].authMethod;
    const wanted: SecretKind = authMethod === 'custom_headers' ? 'headers' : 'api_key';
    if (secret.kind !== wanted) {
      throw new ApiErrorException('validation_failed', `secretId: holds ${secret.kind}, authMethod ${authMethod} needs ${wanted}`);
    }
  }

  private async compensate(actor: TenantActor, secretId: string): Promise<void> {
    const deleted = await this.bus.send(CredentialsOps.deleteSecret, { actor, id: secretId });
    if (!deleted.ok) this.logger.warn('secret of a failed provider registration left behind', { secretId, code: deleted.error.code });
  }
}
