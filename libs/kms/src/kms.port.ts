import { appError, type AppError } from '@switchboard/contracts';
import type { KmsContext } from './canonical-context.js';

export interface DataKey {
  /** The data key itself. The caller zeroes it (`fill(0)`) as soon as it has been used. */
  readonly plaintext: Buffer;
  /** The data key wrapped by the KMS key; safe to store. */
  readonly wrapped: Buffer;
  /** Id (ARN for aws) of the KMS key that wrapped it; persist it beside `wrapped`. */
  readonly keyId: string;
}

export interface RewrappedKey {
  readonly wrapped: Buffer;
  readonly keyId: string;
}

/** What destroying a tenant's key did: the key destroyed (null: the tenant never had one) and when it is gone for good. */
export interface TenantKeyDestruction {
  readonly keyId: string | null;
  /** aws: the end of the pending-deletion window (ISO-8601); local: now (the key file is removed at once). */
  readonly deletionDate: string | null;
}

/**
 * A key-management service that wraps data keys. Every operation binds the encryption context:
 * unwrapping with any pair changed, missing or added fails with `kms_decrypt_failed`.
 * Operations reject with a {@link KmsError}.
 */
export interface KmsPort {
  readonly backend: 'local' | 'aws';
  /** The key new data keys are wrapped under. */
  readonly keyId: string;
  /** A fresh data key wrapped under `keyId` (a tenant's key), or under {@link keyId} when left out. */
  generateDataKey(context: KmsContext, keyId?: string): Promise<DataKey>;
  /**
   * Unwraps a data key. `keyId`, when given, is the id persisted beside the blob; a blob wrapped
   * under another key is refused (aws sends it as Decrypt `KeyId`).
   */
  decryptDataKey(wrapped: Buffer, context: KmsContext, keyId?: string): Promise<Buffer>;
  /** Re-wraps under `destinationKeyId` (same context) without the data key leaving the KMS. */
  reEncryptDataKey(wrapped: Buffer, context: KmsContext, destinationKeyId: string): Promise<RewrappedKey>;
  /**
   * The key id a blob names, when the backend can read it offline (local). AWS ciphertext blobs
   * are opaque, so aws answers `undefined`: callers always persist the `keyId` they were given.
   */
  keyIdOf(wrapped: Buffer): string | undefined;
  /**
   * The tenant's own key, created on first use, so that destroying it shreds every data key of the tenant however many
   * copies (backups, dumps) of the wrapped blobs exist. Null when the backend cannot hold one key per tenant (local
   * backend from a single KMS_LOCAL_MASTER_KEY). Rejects with `kms_key_not_found` once the key was destroyed: a deleted
   * tenant never gets a key again.
   */
  tenantKeyId(tenantId: string): Promise<string | null>;
  /**
   * Destroys the tenant's key (aws: ScheduleKeyDeletion; local: the key file is removed). Idempotent: a key already
   * destroyed or pending deletion answers as done. Rejects with `kms_unsupported` where tenantKeyId answers null.
   */
  destroyTenantKey(tenantId: string): Promise<TenantKeyDestruction>;
  /** Releases connections; the port is unusable afterwards. */
  close(): void;
}

export type KmsErrorCode = 'kms_unavailable' | 'kms_decrypt_failed' | 'kms_key_not_found' | 'kms_unsupported';

/**
 * `kms_unavailable`: network failure, timeout, throttling or 5xx — retry later.
 * `kms_decrypt_failed`: the blob does not open under this key and context (tampered, moved, wrong context).
 * `kms_key_not_found`: the key is unknown, disabled or pending deletion.
 * `kms_unsupported`: the backend, as configured, cannot do this (per-tenant keys from a single master key).
 */
export class KmsError extends Error {
  override readonly name = 'KmsError';

  constructor(
    readonly code: KmsErrorCode,
    message: string,
    options?: { readonly cause?: unknown },
  ) {
    super(message, options);
  }
}

export const isKmsError = (error: unknown): error is KmsError => error instanceof KmsError;

/** Tenant ids become key file names and KMS alias names: only characters both accept. */
export const TENANT_ID_FOR_KEYS = /^[A-Za-z0-9_-]{1,100}$/;

export function assertTenantIdForKeys(tenantId: string): void {
  if (!TENANT_ID_FOR_KEYS.test(tenantId)) throw new KmsError('kms_key_not_found', 'tenant id is not usable in a key name');
}

/** Maps to the service-boundary error: only an unavailable KMS is worth a retry (503). */
export function kmsErrorToAppError(error: KmsError): AppError {
  return appError(error.code === 'kms_unavailable' ? 'unavailable' : 'internal', error.message, { kmsCode: error.code });
}
