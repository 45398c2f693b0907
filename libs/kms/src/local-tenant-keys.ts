import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { unlinkSync } from 'node:fs';
import { createPrivateFile, isErrno, readPrivateFile } from './key-directory.access.js';
import { assertTenantIdForKeys, KmsError } from './kms.port.js';

/** Key ids of tenant keys; no other key id of the directory starts so (they are `local-<uuid>`). */
export const TENANT_KEY_PREFIX = 'tenant-';

export const tenantKeyIdOf = (tenantId: string): string => `${TENANT_KEY_PREFIX}${tenantId}`;
export const isTenantKeyId = (keyId: string): boolean => keyId.startsWith(TENANT_KEY_PREFIX);

const keyFile = (dir: string, keyId: string): string => join(dir, `${keyId}.key`);
// Left where the key was: the tenant's key is never made again, even by a replica that has not heard of the deletion.
const destroyedMarker = (dir: string, keyId: string): string => join(dir, `${keyId}.destroyed`);

const destroyedError = (tenantId: string): KmsError => new KmsError('kms_key_not_found', `the key of tenant ${tenantId} was destroyed`);

/**
 * The tenant's key in the local key directory (`tenant-<tenantId>.key`, mode 0600 like every key there), created on
 * first use. Creation is exclusive (O_EXCL), so replicas racing to create it end up with the one that won.
 */
export function ensureLocalTenantKey(dir: string, tenantId: string, bytes: number): string {
  assertTenantIdForKeys(tenantId);
  const keyId = tenantKeyIdOf(tenantId);
  if (readPrivateFile(destroyedMarker(dir, keyId)) !== undefined) throw destroyedError(tenantId);
  if (readPrivateFile(keyFile(dir, keyId)) !== undefined) return keyId;
  const key = randomBytes(bytes);
  const text = `${key.toString('base64')}\n`;
  key.fill(0);
  try {
    createPrivateFile(keyFile(dir, keyId), text);
  } catch (error) {
    if (!isErrno(error, 'EEXIST')) throw error;
  }
  return keyId;
}

/**
 * Marks the tenant's key destroyed, then removes its file. The marker first: should the process die between the two,
 * the key is already refused everywhere, and running again removes the file. Answers whether a key file was removed.
 */
export function destroyLocalTenantKey(dir: string, tenantId: string): boolean {
  assertTenantIdForKeys(tenantId);
  const keyId = tenantKeyIdOf(tenantId);
  try {
    createPrivateFile(destroyedMarker(dir, keyId), `${new Date().toISOString()}\n`);
  } catch (error) {
    if (!isErrno(error, 'EEXIST')) throw error;
  }
  try {
    unlinkSync(keyFile(dir, keyId));
    return true;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return false;
    throw error;
  }
}
