import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { canonicalContext, type KmsContext } from './canonical-context.js';
import { isKmsError, KmsError, type DataKey, type KmsPort, type RewrappedKey, type TenantKeyDestruction } from './kms.port.js';
import { LocalKeyStore } from './local-key.store.js';
import { tenantKeyIdOf } from './local-tenant-keys.js';
import { withKmsSpan } from './kms.tracing.js';

export const DEFAULT_LOCAL_KMS_DIR = '.switchboard/kms';

const FORMAT_VERSION = 0x01;
const DATA_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const MAX_KEY_ID_BYTES = 255;

export interface LocalKmsOptions {
  /** Key directory; relative paths resolve against the working directory. Default `.switchboard/kms`. */
  readonly dir?: string;
  /** A single 32-byte master key instead of a directory (no rotation). */
  readonly masterKey?: Buffer;
}

interface ParsedBlob {
  readonly keyId: string;
  readonly iv: Buffer;
  readonly tag: Buffer;
  readonly ciphertext: Buffer;
}

/**
 * The `local` backend: data keys wrapped with AES-256-GCM under a master key on disk, additional
 * data = canonicalContext(context). Blob layout (binary, so the key id reads offline):
 * `0x01 | u8 keyId length | keyId (UTF-8) | iv (12) | tag (16) | ciphertext`.
 */
export class LocalKms implements KmsPort {
  readonly backend = 'local' as const;

  private constructor(private readonly store: LocalKeyStore) {}

  /** Opens (and on first start creates) the key store. Synchronous: it runs once at boot. */
  static open(options: LocalKmsOptions = {}): LocalKms {
    if (options.masterKey !== undefined) return new LocalKms(LocalKeyStore.fromMasterKey(options.masterKey));
    return new LocalKms(LocalKeyStore.fromDirectory(resolve(options.dir ?? DEFAULT_LOCAL_KMS_DIR)));
  }

  get keyId(): string {
    return this.store.currentKeyId;
  }

  /** Adds a master key and makes it current; re-wrap moves existing data keys onto it. */
  createKey(): string {
    return this.store.createKey();
  }

  generateDataKey(context: KmsContext, keyId: string = this.keyId): Promise<DataKey> {
    return withKmsSpan('local', 'GenerateDataKey', async () => {
      const plaintext = randomBytes(DATA_KEY_BYTES);
      try {
        return { plaintext, wrapped: this.wrap(keyId, plaintext, context), keyId };
      } catch (error) {
        plaintext.fill(0);
        throw error;
      }
    });
  }

  decryptDataKey(wrapped: Buffer, context: KmsContext, keyId?: string): Promise<Buffer> {
    return withKmsSpan('local', 'Decrypt', async () => {
      const blob = parseBlob(wrapped);
      if (keyId !== undefined && blob.keyId !== keyId) {
        throw new KmsError('kms_decrypt_failed', `wrapped key was made under ${blob.keyId}, not ${keyId}`);
      }
      return this.unwrap(blob, context);
    });
  }

  reEncryptDataKey(wrapped: Buffer, context: KmsContext, destinationKeyId: string): Promise<RewrappedKey> {
    return withKmsSpan('local', 'ReEncrypt', async () => {
      this.masterKeyOf(destinationKeyId);
      const plaintext = this.unwrap(parseBlob(wrapped), context);
      try {
        return { wrapped: this.wrap(destinationKeyId, plaintext, context), keyId: destinationKeyId };
      } finally {
        plaintext.fill(0);
      }
    });
  }

  keyIdOf(wrapped: Buffer): string | undefined {
    try {
      return parseBlob(wrapped).keyId;
    } catch {
      return undefined;
    }
  }

  tenantKeyId(tenantId: string): Promise<string | null> {
    return withKmsSpan('local', 'CreateKey', async () => this.storeCall(() => this.store.tenantKey(tenantId)));
  }

  destroyTenantKey(tenantId: string): Promise<TenantKeyDestruction> {
    return withKmsSpan('local', 'DestroyKey', async () => {
      if (!this.store.holdsTenantKeys) {
        throw new KmsError('kms_unsupported', 'local KMS: a single master key from KMS_LOCAL_MASTER_KEY holds no tenant keys; use KMS_LOCAL_DIR');
      }
      const removed = this.storeCall(() => this.store.destroyTenantKey(tenantId));
      return { keyId: removed ? tenantKeyIdOf(tenantId) : null, deletionDate: removed ? new Date().toISOString() : null };
    });
  }

  close(): void {
    // Nothing held open: key files are read when used (master keys once, tenant keys every time).
  }

  private wrap(keyId: string, plaintext: Buffer, context: KmsContext): Buffer {
    const idBytes = Buffer.from(keyId, 'utf8');
    if (idBytes.length === 0 || idBytes.length > MAX_KEY_ID_BYTES) throw new KmsError('kms_key_not_found', `invalid key id "${keyId}"`);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.masterKeyOf(keyId), iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(canonicalContext(context));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.from([FORMAT_VERSION, idBytes.length]), idBytes, iv, cipher.getAuthTag(), ciphertext]);
  }

  private unwrap(blob: ParsedBlob, context: KmsContext): Buffer {
    const decipher = createDecipheriv('aes-256-gcm', this.masterKeyOf(blob.keyId), blob.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(canonicalContext(context));
    decipher.setAuthTag(blob.tag);
    try {
      return Buffer.concat([decipher.update(blob.ciphertext), decipher.final()]);
    } catch (error) {
      throw new KmsError('kms_decrypt_failed', 'wrapped key does not open under this key and encryption context', { cause: error });
    }
  }

  private masterKeyOf(keyId: string): Buffer {
    let key: Buffer | undefined;
    try {
      key = this.store.masterKey(keyId);
    } catch (error) {
      const reason = (error as { message?: unknown } | null)?.message;
      throw new KmsError('kms_key_not_found', typeof reason === 'string' ? reason : `local KMS key ${keyId} is unreadable`, { cause: error });
    }
    if (key === undefined) throw new KmsError('kms_key_not_found', `local KMS key ${keyId} not found`);
    return key;
  }

  // File-system failures of the key directory (permissions, a full disk) are faults of the KMS, not of the request.
  private storeCall<T>(call: () => T): T {
    try {
      return call();
    } catch (error) {
      if (isKmsError(error)) throw error;
      throw new KmsError('kms_unavailable', `local KMS: ${(error as Error).message}`, { cause: error });
    }
  }
}

function parseBlob(wrapped: Buffer): ParsedBlob {
  const malformed = (): KmsError => new KmsError('kms_decrypt_failed', 'wrapped key is not a local KMS blob');
  if (!Buffer.isBuffer(wrapped) || wrapped.length < 2 || wrapped[0] !== FORMAT_VERSION) throw malformed();
  const idEnd = 2 + wrapped[1];
  const tagEnd = idEnd + IV_BYTES + TAG_BYTES;
  if (wrapped[1] === 0 || wrapped.length <= tagEnd) throw malformed();
  return {
    keyId: wrapped.subarray(2, idEnd).toString('utf8'),
    iv: wrapped.subarray(idEnd, idEnd + IV_BYTES),
    tag: wrapped.subarray(idEnd + IV_BYTES, tagEnd),
    ciphertext: wrapped.subarray(tagEnd),
  };
}
