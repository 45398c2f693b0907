import { Inject, Injectable } from '@nestjs/common';
import {
  CredentialsOps,
  PROVIDER_DEFAULTS,
  ProvidersOps,
  type AuthMethod,
  type TenantActor,
  type CreateProviderBody,
  type UpdateProviderBody,
  type ProviderView,
  type SecretKind,
} from '@switchboard/contracts';
import { BusClient } from '@switchboard/messaging';
import type { Logger } from '@switchboard/telemetry';
import { GATEWAY_LOGGER } from '../core/core.tokens.js';
import { ProviderCredentials } from '../credentials/provider-credentials.service.js';
import { SecretValues } from '../credentials/secret-values.service.js';
import { ApiErrorException, unwrap } from '../http/api-error.exception.js';
import { ProxyRuntime } from '../proxy/proxy.runtime.js';

/** Secret names are Names (≤ 100 characters); a long provider name is shortened to leave room for the suffix. */
export function credentialSecretName(providerName: string, kind: SecretKind): string {
  const suffix = kind === 'api_key' ? ' api key' : ' headers';
  return `${providerName.slice(0, 100 - suffix.length).trimEnd()}${suffix}`;
}

/** What each auth method sends: bearer and x_api_key an API key, custom_headers a header map. */
const NEEDED: Readonly<Record<AuthMethod, SecretKind>> = { bearer: 'api_key', x_api_key: 'api_key', custom_headers: 'headers' };
const KIND_NAMES: Readonly<Record<SecretKind, string>> = { api_key: 'an API key', headers: 'a header map' };

function requireFit(authMethod: AuthMethod, kind: SecretKind, what: string): void {
  if (NEEDED[authMethod] === kind) return;
  throw new ApiErrorException(
    'validation_failed',
    `authMethod ${authMethod} needs ${KIND_NAMES[NEEDED[authMethod]]}, but ${what} is ${KIND_NAMES[kind]}; change both in one PATCH`,
  );
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
    private readonly proxy: ProxyRuntime,
    @Inject(GATEWAY_LOGGER) private readonly logger: Logger,
  ) {}

  async register(actor: TenantActor, body: CreateProviderBody): Promise<ProviderView> {
    const { apiKey, customHeaders, ...settings } = body;
    if (apiKey === undefined && customHeaders === undefined) {
      if (settings.secretId !== undefined) await this.checkSecret(actor, body.authMethod ?? PROVIDER_DEFAULTS[body.type].authMethod, settings.secretId);
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

  /**
   * PATCH /v1/providers/:id. A new credential (`apiKey`, `customHeaders`) becomes a secret first and the provider
   * is pointed at it, so calls that start after the change use it while calls in flight finish on the old one;
   * the secret the provider had is deleted when it was made for this provider (by POST or PATCH) and nothing else
   * uses it. The auth method must fit the credential the provider ends up with: 400 naming both, nothing changed.
   */
  async update(actor: TenantActor, id: string, expectedVersion: number | undefined, body: UpdateProviderBody): Promise<ProviderView> {
    const { apiKey, customHeaders, secretId, ...changes } = body;
    const current = unwrap(await this.bus.send(ProvidersOps.getProvider, { actor, id }));
    const authMethod = changes.authMethod ?? current.authMethod;
    const given: SecretKind | null = apiKey !== undefined ? 'api_key' : customHeaders !== undefined ? 'headers' : null;
    if (given !== null) {
      requireFit(authMethod, given, given === 'api_key' ? 'apiKey' : 'customHeaders');
    } else if (secretId !== undefined) {
      await this.checkSecret(actor, authMethod, secretId);
    } else if (changes.authMethod !== undefined && current.credential !== null) {
      const held = await this.credentials.find(actor, current.credential.secretId);
      if (held !== null) requireFit(authMethod, held.kind, `the provider's credential (secret ${held.id})`);
    }
    let created: string | null = null;
    if (given !== null) {
      const value = apiKey ?? JSON.stringify(customHeaders);
      created = unwrap(await this.secrets.create(actor, { name: credentialSecretName(changes.name ?? current.name, given), kind: given, value })).id;
    }
    const newSecretId = created ?? secretId;
    const updated = await this.bus.send(ProvidersOps.updateProvider, {
      actor,
      id,
      expectedVersion,
      changes: { ...changes, ...(newSecretId === undefined ? {} : { secretId: newSecretId }) },
    });
    if (!updated.ok) {
      if (created !== null) await this.compensate(actor, created);
      throw ApiErrorException.of(updated.error);
    }
    // This gateway's next calls take the new route at once; other gateways drop theirs on the provider.updated event.
    this.proxy.routes.dropTenant(actor.tenantId);
    const previous = current.credential?.secretId;
    if (newSecretId !== undefined && previous !== undefined && previous !== newSecretId) await this.retire(actor, current.name, previous);
    return this.credentials.fillOne(actor, updated.value);
  }

  /** An existing secret must be the tenant's and of the kind the provider's auth method sends. */
  private async checkSecret(actor: TenantActor, authMethod: AuthMethod, secretId: string): Promise<void> {
    const secret = await this.credentials.find(actor, secretId);
    if (secret === null) throw new ApiErrorException('secret_not_found', `secret ${secretId} not found`);
    requireFit(authMethod, secret.kind, `secretId (secret ${secretId})`);
  }

  /** The replaced secret goes when it was made for this provider; one made apart, or still used elsewhere, stays. */
  private async retire(actor: TenantActor, providerName: string, secretId: string): Promise<void> {
    const secret = await this.credentials.find(actor, secretId).catch(() => null);
    if (secret === null || secret.name !== credentialSecretName(providerName, secret.kind)) return;
    const deleted = await this.bus.send(CredentialsOps.deleteSecret, { actor, id: secretId });
    if (!deleted.ok) this.logger.info('replaced provider secret kept', { secretId, code: deleted.error.code });
  }

  private async compensate(actor: TenantActor, secretId: string): Promise<void> {
    const deleted = await this.bus.send(CredentialsOps.deleteSecret, { actor, id: secretId });
    if (!deleted.ok) this.logger.warn('secret of a failed provider registration left behind', { secretId, code: deleted.error.code });
  }
}
