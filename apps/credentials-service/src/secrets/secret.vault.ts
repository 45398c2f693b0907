import { Inject, Injectable } from '@nestjs/common';
import { appError, fail, ok, type AppError, type Result, type SecretKind } from '@switchboard/contracts';
import { secretNotFound } from '@switchboard/credentials-domain';
import { PgEventStore } from '@switchboard/event-store';
import { decryptSecret, encryptSecret, isKmsError, kmsErrorToAppError, type KmsPort, type SecretEnvelope } from '@switchboard/kms';
import { KMS } from '../shared/credentials.settings.js';
import { TenantKeys } from '../tenant-keys/tenant-keys.js';
import { liveSecret } from './secret.queries.js';
import { readSecretVersion, secretContext } from './secret-versions.repository.js';

export interface OpenedSecret {
  readonly kind: SecretKind;
  readonly version: number;
  /** The value's bytes: the caller zeroes them as soon as they are used. */
  readonly plaintext: Buffer;
}

/**
 * Why a value could not be opened or sealed: absent (unknown, foreign, deleted), KMS down, it does not decrypt, or the
 * tenant is being deleted (no data key is made for it any more).
 */
export interface VaultFailure {
  readonly reason: 'not_found' | 'kms_unavailable' | 'unreadable' | 'refused';
  readonly error: AppError;
}

function kmsFailure(error: unknown): VaultFailure {
  if (!isKmsError(error)) throw error;
  return { reason: error.code === 'kms_unavailable' ? 'kms_unavailable' : 'unreadable', error: kmsErrorToAppError(error) };
}

/** Envelope encryption of secret values under KMS, one data key per secret version. */
@Injectable()
export class SecretVault {
  constructor(
    @Inject(KMS) private readonly kms: KmsPort,
    private readonly store: PgEventStore,
    private readonly tenantKeys: TenantKeys,
  ) {}

  /**
   * Encrypts a value for one version of a secret, under a data key wrapped by the tenant's own KMS key. A KMS failure
   * is a value: nothing has been written.
   */
  async encrypt(tenantId: string, secretId: string, version: number, plaintext: Buffer): Promise<Result<SecretEnvelope, VaultFailure>> {
    const keyId = await this.tenantKeys.keyFor(tenantId);
    if (!keyId.ok) return fail({ reason: keyId.error.code === 'unavailable' ? 'kms_unavailable' : 'refused', error: keyId.error });
    try {
      return ok(await encryptSecret(this.kms, plaintext, secretContext(tenantId, secretId, version), keyId.value));
    } catch (error) {
      return fail(kmsFailure(error));
    }
  }

  /** Decrypts the current version of a live secret of the tenant. */
  async openCurrent(tenantId: string, secretId: string): Promise<Result<OpenedSecret, VaultFailure>> {
    const db = this.store.dataSource.manager;
    const version = (await liveSecret(db, tenantId, secretId))?.version ?? null;
    // A deletion between the two reads shreds the row: that is "not found" too.
    const stored = version === null ? null : await readSecretVersion(db, tenantId, secretId, version);
    if (version === null || stored === null) return fail({ reason: 'not_found', error: secretNotFound(secretId) });
    try {
      const plaintext = await decryptSecret(this.kms, stored.envelope, secretContext(tenantId, secretId, version));
      return ok({ kind: stored.kind, version, plaintext });
    } catch (error) {
      return fail(kmsFailure(error));
    }
  }
}

/** The AppError a caller answers with; a KMS that is down is `unavailable` (503 with Retry-After at the edge). */
export function vaultError(failure: VaultFailure): AppError {
  return failure.reason === 'unreadable' ? appError('internal', 'the secret value could not be decrypted') : failure.error;
}
