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

/**
 * A key-management service that wraps data keys. Every operation binds the encryption context:
 * unwrapping with any pair changed, missing or added fails with `kms_decrypt_failed`.
 * Operations reject with a {@link KmsError}.
 */
export interface KmsPort {
  readonly backend: 'local' | 'aws';
  /** The key new data keys are wrapped under. */
  readonly keyId: string;
  generateDataKey(context: KmsContext): Promise<DataKey>;
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
  /** Releases connections; the port is unusable afterwards. */
  close(): void;
}

export type KmsErrorCode = 'kms_unavailable' | 'kms_decrypt_failed' | 'kms_key_not_found';

/**
 * `kms_unavailable`: network failure, timeout, throttling or 5xx — retry later.
 * `kms_decrypt_failed`: the blob does not open under this key and context (tampered, moved, wrong context).
 * `kms_key_not_found`: the key is unknown, disabled or pending deletion.
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

/** Maps to the service-boundary error: only an unavailable KMS is worth a retry (503). */
export function kmsErrorToAppError(error: KmsError): AppError {
  return appError(error.code === 'kms_unavailable' ? 'unavailable' : 'internal', error.message, { kmsCode: error.code });
}
