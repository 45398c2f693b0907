import { Inject, Injectable } from '@nestjs/common';
import { CredentialsOps, type Actor, type ProviderView, type SecretView } from '@switchboard/contracts';
import { BusClient } from '@switchboard/messaging';
import type { Logger } from '@switchboard/telemetry';
import { GATEWAY_LOGGER } from '../core/core.tokens.js';
import { unwrap } from '../http/api-error.exception.js';

/** describeSecrets takes at most this many ids per call. */
const DESCRIBE_BATCH = 500;
/** A provider read must not wait the full bus timeout for display data. */
const DESCRIBE_TIMEOUT_MS = 1_500;

/**
 * Fills `credential.hint` and `credential.version` of provider views from credentials-service, one call per
 * 500 providers. Display data only: when credentials-service cannot answer, the views keep null there and the
 * read still succeeds.
 */
@Injectable()
export class ProviderCredentials {
  constructor(
    private readonly bus: BusClient,
    @Inject(GATEWAY_LOGGER) private readonly logger: Logger,
  ) {}

  async fill(actor: Actor, views: readonly ProviderView[]): Promise<ProviderView[]> {
    const ids = [...new Set(views.flatMap((v) => (v.credential ? [v.credential.secretId] : [])))];
    if (ids.length === 0) return [...views];
    const secrets = new Map<string, SecretView>();
    for (let i = 0; i < ids.length; i += DESCRIBE_BATCH) {
      const batch = ids.slice(i, i + DESCRIBE_BATCH);
      const described = await this.bus.send(CredentialsOps.describeSecrets, { actor, ids: batch }, { timeoutMs: DESCRIBE_TIMEOUT_MS });
      if (!described.ok) {
        this.logger.warn('provider credentials shown without hint', { code: described.error.code });
        return [...views];
      }
      for (const secret of described.value.data) secrets.set(secret.id, secret);
    }
    return views.map((view) => {
      const secret = view.credential ? secrets.get(view.credential.secretId) : undefined;
      return secret ? { ...view, credential: { secretId: secret.id, hint: secret.hint, version: secret.version } } : view;
    });
  }

  async fillOne(actor: Actor, view: ProviderView): Promise<ProviderView> {
    const [filled] = await this.fill(actor, [view]);
    return filled ?? view;
  }

  /** The tenant's secret with this id, or null: a provider must not be registered on a secret that is not there. */
  async find(actor: Actor, secretId: string): Promise<SecretView | null> {
    const described = unwrap(await this.bus.send(CredentialsOps.describeSecrets, { actor, ids: [secretId] }));
    return described.data.find((s) => s.id === secretId) ?? null;
  }
}
