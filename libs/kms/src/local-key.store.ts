import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { linkSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { createPrivateFile, isErrno, openKeyDirectory, readPrivateFile } from './key-directory.access.js';
import { destroyLocalTenantKey, ensureLocalTenantKey, isTenantKeyId } from './local-tenant-keys.js';

export const MASTER_KEY_BYTES = 32;
const CURRENT_MARKER = 'current';
const KEY_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Master keys of the local KMS backend: either one file per key (`<keyId>.key`, base64 of 32 bytes)
 * plus a `current` marker naming the key new data keys use, all mode 0600 in a 0700 directory, owned by
 * the service's user (key-directory.access.ts refuses anything else), or a single key handed in (from
 * `KMS_LOCAL_MASTER_KEY`).
 *
 * Several processes may share a directory: keys are looked up on disk when not yet cached, so a
 * key created by another process still unwraps here. The current key is read once at open and
 * changed only by this process's `createKey`.
 */
export class LocalKeyStore {
  private readonly keys = new Map<string, Buffer>();

  private constructor(
    private readonly dir: string | null,
    private current: string,
  ) {}

  static fromDirectory(dir: string): LocalKeyStore {
    openKeyDirectory(dir);
    const store = new LocalKeyStore(dir, readMarker(dir) ?? initialiseMarker(dir));
    if (store.masterKey(store.current) === undefined) {
      throw new Error(`local KMS: current key "${store.current}" named in ${join(dir, CURRENT_MARKER)} has no key file`);
    }
    return store;
  }

  static fromMasterKey(key: Buffer): LocalKeyStore {
    if (key.length !== MASTER_KEY_BYTES) throw new Error(`local KMS: master key must be ${MASTER_KEY_BYTES} bytes, got ${key.length}`);
    // Derived from the key so that replacing the key changes the id: old blobs then fail as
    // "key not found" instead of a puzzling authentication failure.
    const id = `env-${createHmac('sha256', key).update('switchboard local kms key id').digest('hex').slice(0, 16)}`;
    const store = new LocalKeyStore(null, id);
    store.keys.set(id, Buffer.from(key));
    return store;
  }

  get currentKeyId(): string {
    return this.current;
  }

  masterKey(keyId: string): Buffer | undefined {
    // Tenant keys are read from disk on every use, never cached: a key another process destroyed must stop working
    // here at once, not at this process's next restart.
    if (isTenantKeyId(keyId)) return this.dir === null || !KEY_ID_PATTERN.test(keyId) ? undefined : readKeyFile(this.dir, keyId);
    const cached = this.keys.get(keyId);
    if (cached !== undefined || this.dir === null || !KEY_ID_PATTERN.test(keyId)) return cached;
    const loaded = readKeyFile(this.dir, keyId);
    if (loaded !== undefined) this.keys.set(keyId, loaded);
    return loaded;
  }

  /** False for a single master key: there is no directory to hold a key per tenant. */
  get holdsTenantKeys(): boolean {
    return this.dir !== null;
  }

  /** The tenant's key id, created on first use; null for a single master key (no directory to hold tenant keys). */
  tenantKey(tenantId: string): string | null {
    return this.dir === null ? null : ensureLocalTenantKey(this.dir, tenantId, MASTER_KEY_BYTES);
  }

  /** Destroys the tenant's key; false when it had none (or it was removed before). Throws without a directory. */
  destroyTenantKey(tenantId: string): boolean {
    if (this.dir === null) throw new Error('local KMS: a single master key from KMS_LOCAL_MASTER_KEY holds no tenant keys; use KMS_LOCAL_DIR');
    return destroyLocalTenantKey(this.dir, tenantId);
  }

  /** Adds a key and makes it current for new data keys; existing blobs keep their key. */
  createKey(): string {
    if (this.dir === null) throw new Error('local KMS: a single master key from KMS_LOCAL_MASTER_KEY cannot be rotated; use KMS_LOCAL_DIR');
    const id = writeNewKey(this.dir);
    const temp = join(this.dir, `.${CURRENT_MARKER}.${randomUUID()}`);
    createPrivateFile(temp, `${id}\n`);
    // rename replaces atomically: a concurrent reader sees the old or the new marker, never half of one.
    renameSync(temp, join(this.dir, CURRENT_MARKER));
    this.current = id;
    return id;
  }
}

function readMarker(dir: string): string | null {
  const text = readPrivateFile(join(dir, CURRENT_MARKER))?.trim();
  if (text === undefined) return null;
  if (!KEY_ID_PATTERN.test(text)) throw new Error(`local KMS: ${join(dir, CURRENT_MARKER)} does not hold a key id`);
  return text;
}

// First start, possibly by several processes at once: each writes its own key, then one marker
// wins via link (fails if it exists, and the marker appears with its whole content).
function initialiseMarker(dir: string): string {
  const id = writeNewKey(dir);
  const temp = join(dir, `.${CURRENT_MARKER}.${randomUUID()}`);
  createPrivateFile(temp, `${id}\n`);
  try {
    linkSync(temp, join(dir, CURRENT_MARKER));
    return id;
  } catch (error) {
    if (!isErrno(error, 'EEXIST')) throw error;
    unlinkSync(join(dir, `${id}.key`));
    const winner = readMarker(dir);
    if (winner === null) throw new Error(`local KMS: ${join(dir, CURRENT_MARKER)} vanished during initialisation`);
    return winner;
  } finally {
    unlinkSync(temp);
  }
}

function writeNewKey(dir: string): string {
  const id = `local-${randomUUID()}`;
  const key = randomBytes(MASTER_KEY_BYTES);
  const text = `${key.toString('base64')}\n`;
  key.fill(0);
  createPrivateFile(join(dir, `${id}.key`), text);
  return id;
}

function readKeyFile(dir: string, keyId: string): Buffer | undefined {
  const path = join(dir, `${keyId}.key`);
  const text = readPrivateFile(path)?.trim();
  if (text === undefined) return undefined;
  const key = Buffer.from(text, 'base64');
  if (key.length !== MASTER_KEY_BYTES || key.toString('base64') !== text) {
    throw new Error(`local KMS: ${path} must hold base64 of ${MASTER_KEY_BYTES} bytes`);
  }
  return key;
}
