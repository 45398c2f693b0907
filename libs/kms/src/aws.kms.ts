import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  GenerateDataKeyCommand,
  KMSClient,
  ReEncryptCommand,
  ScheduleKeyDeletionCommand,
  type KeyMetadata,
} from '@aws-sdk/client-kms';
import type { KmsContext } from './canonical-context.js';
import { assertTenantIdForKeys, KmsError, type DataKey, type KmsErrorCode, type KmsPort, type RewrappedKey, type TenantKeyDestruction } from './kms.port.js';
import { withKmsSpan, type KmsOperation } from './kms.tracing.js';

export interface AwsKmsOptions {
  /** Key id, key ARN or alias ARN that new data keys are generated under. */
  readonly keyId: string;
  readonly region?: string;
  /** Endpoint override (a KMS-protocol emulator, a VPC endpoint). */
  readonly endpoint?: string;
  /** Explicit credentials; otherwise the SDK's default provider chain. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
  /** Ceiling for one operation, retries included. Default 1500 ms. */
  readonly deadlineMs?: number;
  /** Ceiling for one attempt's connect. Default 500 ms. */
  readonly connectTimeoutMs?: number;
  /** Ceiling for one attempt's request and response. Default 800 ms. */
  readonly attemptTimeoutMs?: number;
  /** Attempts per operation, first included. Default 2. */
  readonly maxAttempts?: number;
  /** Alias of each tenant's key: `<prefix><tenantId>`. Default `alias/switchboard/tenant/`. */
  readonly tenantAliasPrefix?: string;
  /** ScheduleKeyDeletion's waiting period for a deleted tenant's key, 7 to 30 days (AWS's bounds). Default 7. */
  readonly tenantKeyDeletionDays?: number;
}

export const DEFAULT_TENANT_ALIAS_PREFIX = 'alias/switchboard/tenant/';

// A KMS that is down must surface as kms_unavailable quickly (< 2 s) so callers answer 503 with
// Retry-After instead of holding requests; one quick retry absorbs a dropped connection.
const DEFAULTS = { deadlineMs: 1_500, connectTimeoutMs: 500, attemptTimeoutMs: 800, maxAttempts: 2 } as const;

const DECRYPT_FAILURES = new Set(['InvalidCiphertextException', 'IncorrectKeyException']);
const KEY_PROBLEMS = new Set(['NotFoundException', 'InvalidArnException', 'DisabledException', 'KMSInvalidStateException']);

/**
 * The `aws` backend through @aws-sdk/client-kms. Ciphertext blobs are opaque, so `keyIdOf` is
 * undefined: persist the `keyId` returned by `generateDataKey` / `reEncryptDataKey` (a key ARN)
 * beside each wrapped key and pass it back to `decryptDataKey`.
 */
export class AwsKms implements KmsPort {
  readonly backend = 'aws' as const;
  readonly keyId: string;
  private readonly client: KMSClient;
  private readonly deadlineMs: number;
  private readonly aliasPrefix: string;
  private readonly deletionDays: number;
  // Tenant → key ARN. A key destroyed meanwhile by another replica is then refused by KMS itself (pending deletion).
  private readonly tenantKeys = new Map<string, string>();

  constructor(options: AwsKmsOptions) {
    if (options.keyId.trim() === '') throw new Error('aws KMS: keyId is required');
    this.keyId = options.keyId;
    this.deadlineMs = options.deadlineMs ?? DEFAULTS.deadlineMs;
    this.aliasPrefix = options.tenantAliasPrefix ?? DEFAULT_TENANT_ALIAS_PREFIX;
    this.deletionDays = options.tenantKeyDeletionDays ?? 7;
    if (!Number.isInteger(this.deletionDays) || this.deletionDays < 7 || this.deletionDays > 30) {
      throw new Error('aws KMS: tenantKeyDeletionDays must be an integer from 7 to 30');
    }
    this.client = new KMSClient({
      region: options.region ?? 'us-east-1',
      ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
      ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
      maxAttempts: options.maxAttempts ?? DEFAULTS.maxAttempts,
      requestHandler: {
        connectionTimeout: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
        requestTimeout: options.attemptTimeoutMs ?? DEFAULTS.attemptTimeoutMs,
        throwOnRequestTimeout: true,
      },
    });
  }

  async generateDataKey(context: KmsContext, keyId: string = this.keyId): Promise<DataKey> {
    const out = await this.call('GenerateDataKey', () =>
      this.client.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: { ...context } }), this.options()),
    );
    const plaintext = out.Plaintext === undefined ? undefined : asBuffer(out.Plaintext);
    if (plaintext === undefined || out.CiphertextBlob === undefined || plaintext.length !== 32) {
      plaintext?.fill(0);
      throw new KmsError('kms_unavailable', 'KMS GenerateDataKey answered without a 32-byte key and blob');
    }
    return { plaintext, wrapped: Buffer.from(out.CiphertextBlob), keyId: out.KeyId ?? keyId };
  }

  async decryptDataKey(wrapped: Buffer, context: KmsContext, keyId?: string): Promise<Buffer> {
    const out = await this.call('Decrypt', () =>
      this.client.send(
        new DecryptCommand({ CiphertextBlob: wrapped, EncryptionContext: { ...context }, ...(keyId !== undefined ? { KeyId: keyId } : {}) }),
        this.options(),
      ),
    );
    if (out.Plaintext === undefined) throw new KmsError('kms_unavailable', 'KMS Decrypt answered without a plaintext');
    return asBuffer(out.Plaintext);
  }

  async reEncryptDataKey(wrapped: Buffer, context: KmsContext, destinationKeyId: string): Promise<RewrappedKey> {
    const out = await this.call('ReEncrypt', () =>
      this.client.send(
        new ReEncryptCommand({
          CiphertextBlob: wrapped,
          SourceEncryptionContext: { ...context },
          DestinationKeyId: destinationKeyId,
          DestinationEncryptionContext: { ...context },
        }),
        this.options(),
      ),
    );
    if (out.CiphertextBlob === undefined) throw new KmsError('kms_unavailable', 'KMS ReEncrypt answered without a blob');
    return { wrapped: Buffer.from(out.CiphertextBlob), keyId: out.KeyId ?? destinationKeyId };
  }

  keyIdOf(): undefined {
    return undefined;
  }

  /**
   * The key behind the tenant's alias; on first use CreateKey then CreateAlias. When another replica's CreateAlias won
   * the race, the key made here is scheduled for deletion (it wrapped nothing) and the alias's key is used. A key
   * pending deletion is refused: the alias is kept on it for that reason, so a deleted tenant never gets a new key.
   */
  async tenantKeyId(tenantId: string): Promise<string> {
    assertTenantIdForKeys(tenantId);
    const cached = this.tenantKeys.get(tenantId);
    if (cached !== undefined) return cached;
    const alias = `${this.aliasPrefix}${tenantId}`;
    let metadata = await this.describe(alias);
    if (metadata === null) {
      const created = await this.call('CreateKey', () =>
        this.client.send(
          new CreateKeyCommand({ Description: `switchboard: data keys of tenant ${tenantId}`, Tags: [{ TagKey: 'switchboard:tenant', TagValue: tenantId }] }),
          this.options(),
        ),
      );
      const arn = created.KeyMetadata?.Arn;
      if (arn === undefined) throw new KmsError('kms_unavailable', 'KMS CreateKey answered without a key ARN');
      try {
        await this.call('CreateAlias', () => this.client.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: arn }), this.options()));
      } catch (error) {
        if (awsErrorName(error) !== 'AlreadyExistsException') throw error;
        await this.scheduleDeletion(arn);
      }
      metadata = await this.describe(alias);
      if (metadata === null) throw new KmsError('kms_unavailable', `KMS alias ${alias} vanished after it was created`);
    }
    if (metadata.KeyState !== 'Enabled' || metadata.Arn === undefined) {
      throw new KmsError('kms_key_not_found', `the key of tenant ${tenantId} is ${metadata.KeyState ?? 'unusable'} (destroyed with its tenant)`);
    }
    this.tenantKeys.set(tenantId, metadata.Arn);
    return metadata.Arn;
  }

  /**
   * ScheduleKeyDeletion of the tenant's key with the configured waiting period; the alias stays on it (see tenantKeyId).
   * From the call on, KMS refuses every use of the key; after the period AWS deletes it, and with it any way to open a
   * blob it wrapped, backups included.
   */
  async destroyTenantKey(tenantId: string): Promise<TenantKeyDestruction> {
    assertTenantIdForKeys(tenantId);
    this.tenantKeys.delete(tenantId);
    const metadata = await this.describe(`${this.aliasPrefix}${tenantId}`);
    if (metadata?.Arn === undefined) return { keyId: null, deletionDate: null };
    if (metadata.KeyState === 'PendingDeletion') return { keyId: metadata.Arn, deletionDate: metadata.DeletionDate?.toISOString() ?? null };
    return { keyId: metadata.Arn, deletionDate: await this.scheduleDeletion(metadata.Arn) };
  }

  close(): void {
    this.client.destroy();
  }

  /** The key's metadata, or null when no key or alias has that name. */
  private async describe(keyId: string): Promise<KeyMetadata | null> {
    try {
      const out = await this.call('DescribeKey', () => this.client.send(new DescribeKeyCommand({ KeyId: keyId }), this.options()));
      return out.KeyMetadata ?? null;
    } catch (error) {
      if (awsErrorName(error) === 'NotFoundException') return null;
      throw error;
    }
  }

  private async scheduleDeletion(arn: string): Promise<string | null> {
    try {
      const out = await this.call('ScheduleKeyDeletion', () =>
        this.client.send(new ScheduleKeyDeletionCommand({ KeyId: arn, PendingWindowInDays: this.deletionDays }), this.options()),
      );
      return out.DeletionDate?.toISOString() ?? null;
    } catch (error) {
      // Already pending deletion (a retry, or another replica): done.
      if (awsErrorName(error) === 'KMSInvalidStateException') return null;
      throw error;
    }
  }

  private options(): { abortSignal: AbortSignal } {
    return { abortSignal: AbortSignal.timeout(this.deadlineMs) };
  }

  private call<T>(operation: KmsOperation, send: () => Promise<T>): Promise<T> {
    return withKmsSpan('aws', operation, async () => {
      try {
        return await send();
      } catch (error) {
        const name = errorField(error, 'name') ?? 'UnknownError';
        const code = classify(operation, name);
        throw new KmsError(code, `KMS ${operation} failed: ${name}: ${errorMessage(error)}`, { cause: error });
      }
    });
  }
}

// Anything not recognisably about the blob or the key — network errors, timeouts, aborts,
// throttling, 5xx, but also credentials or permission problems — is reported as unavailable:
// the request may succeed later and nothing about the secret can be concluded from it.
function classify(operation: string, errorName: string): KmsErrorCode {
  if (DECRYPT_FAILURES.has(errorName)) return 'kms_decrypt_failed';
  // A blob that fails KMS's own shape checks (e.g. truncated to nothing) is a bad blob too.
  if (errorName === 'ValidationException' && operation !== 'GenerateDataKey') return 'kms_decrypt_failed';
  if (KEY_PROBLEMS.has(errorName)) return 'kms_key_not_found';
  return 'kms_unavailable';
}

/** The AWS error name behind a KmsError raised by `call`. */
function awsErrorName(error: unknown): string | undefined {
  return error instanceof KmsError ? errorField(error.cause, 'name') : undefined;
}

function errorMessage(error: unknown): string {
  return errorField(error, 'message') ?? String(error);
}

// Structural, not instanceof: network errors from node internals may come from another realm.
function errorField(error: unknown, field: 'name' | 'message'): string | undefined {
  const value: unknown = typeof error === 'object' && error !== null ? (error as Record<string, unknown>)[field] : undefined;
  return typeof value === 'string' ? value : undefined;
}

// No copy: zeroing the returned Buffer then wipes the bytes the SDK decoded.
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
