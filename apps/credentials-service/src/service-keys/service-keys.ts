import { appError, fail, ok, type Result } from '@switchboard/contracts';
import type { PgEventStore } from '@switchboard/event-store';
import { isKmsError, type KmsPort } from '@switchboard/kms';
import type { Logger } from '@switchboard/telemetry';
import { loadServiceKeys } from './service-keys.repository.js';

export interface ServiceKeyMaterial {
  /** Base64 of the raw X25519 keys; the private one only ever opens sealed secret values. */
  readonly transport: { readonly publicKey: string; readonly privateKey: string };
  readonly fingerprintKey: Buffer;
}

export interface ServiceKeysLoaderOptions {
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
}

/**
 * The service keys, once loaded. Until then (KMS down at start) every operation that needs them answers
 * `unavailable`, while health and issuance — which need neither — keep working.
 */
export class ServiceKeys {
  private material: ServiceKeyMaterial | null = null;
  private loop: Promise<void> | null = null;
  private stopping = false;
  private wake: (() => void) | null = null;
  private readonly waiters: (() => void)[] = [];

  current(): Result<ServiceKeyMaterial> {
    return this.material === null
      ? fail(appError('unavailable', 'credentials-service is still loading its keys from KMS; retry shortly'))
      : ok(this.material);
  }

  /** Resolves once the keys are loaded (at once if they are). */
  loaded(): Promise<void> {
    if (this.material !== null) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Loads in the background, retrying with exponential backoff and logging each failure. */
  start(store: PgEventStore, kms: KmsPort, logger: Logger, options: ServiceKeysLoaderOptions = {}): void {
    if (this.loop !== null) return;
    this.stopping = false;
    this.loop = this.run(store, kms, logger, options.backoffBaseMs ?? 250, options.backoffMaxMs ?? 10_000);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    this.loop = null;
    this.material?.fingerprintKey.fill(0);
    this.material = null;
  }

  private async run(store: PgEventStore, kms: KmsPort, logger: Logger, baseMs: number, maxMs: number): Promise<void> {
    for (let failures = 0; !this.stopping; ) {
      try {
        this.material = await loadServiceKeys(store, kms);
        logger.info('service keys loaded', { kmsBackend: kms.backend });
        for (const resolve of this.waiters.splice(0)) resolve();
        return;
      } catch (error) {
        failures++;
        const retryInMs = Math.min(baseMs * 2 ** (failures - 1), maxMs);
        const reason = isKmsError(error) ? error.code : 'error';
        const fields = { reason, error: error instanceof Error ? error.message : String(error), failures, retryInMs };
        // An outage heals by itself; a missing or wrong KMS key (another KMS_LOCAL_DIR, KMS_KEY_ID) needs an operator.
        if (reason === 'kms_unavailable') logger.warn('service keys not loaded: KMS unavailable; retrying', fields);
        else logger.error('service keys not loaded; check the KMS configuration; retrying', fields);
        await this.sleep(retryInMs);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
