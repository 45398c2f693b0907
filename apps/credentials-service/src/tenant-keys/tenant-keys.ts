import { Inject, Injectable } from '@nestjs/common';
import { appError, fail, ok, type Actor, type AppError, type Result } from '@switchboard/contracts';
import { PgEventStore, type Tx } from '@switchboard/event-store';
import { isKmsError, kmsErrorToAppError, type KmsPort, type TenantKeyDestruction } from '@switchboard/kms';
import { SCHEMA } from '../read-models/credentials.migrations.js';
import { handleSecretCommand } from '../secrets/secret.commands.js';
import { deleteSecretVersions } from '../secrets/secret-versions.repository.js';
import { KMS } from '../shared/credentials.settings.js';

export const tenantDeleted = (tenantId: string): AppError => appError('tenant_not_found', `tenant ${tenantId} not found`);

interface TenantKeyRow {
  kms_key_id: string | null;
  deletion_requested_at: Date | null;
  destroyed_at: Date | null;
  destroyed_key_id: string | null;
  key_deletion_date: string | null;
}

async function rowOf(db: Tx, tenantId: string): Promise<TenantKeyRow | undefined> {
  const rows: TenantKeyRow[] = await db.query(
    `SELECT kms_key_id, deletion_requested_at, destroyed_at, destroyed_key_id, key_deletion_date FROM ${SCHEMA}.tenant_keys WHERE tenant_id = $1`,
    [tenantId],
  );
  return rows[0];
}

/**
 * Each tenant's own KMS key: every data key of the tenant is generated under it, so destroying that one key shreds all
 * of the tenant's secrets, in this database and in every copy of it. The key is made on first use (KmsPort.tenantKeyId)
 * and recorded in `tenant_keys`; a tenant whose deletion was requested gets no key again, here or at the KMS.
 */
@Injectable()
export class TenantKeys {
  constructor(
    @Inject(KMS) private readonly kms: KmsPort,
    private readonly store: PgEventStore,
  ) {}

  /**
   * The key to wrap the tenant's new data keys under; undefined: the backend's one key (a local KMS from a single master
   * key). `tenant_not_found` once the tenant's deletion was requested; a KMS failure as its AppError.
   */
  async keyFor(tenantId: string): Promise<Result<string | undefined>> {
    const db = this.store.dataSource.manager;
    const row = await rowOf(db, tenantId);
    if (row?.deletion_requested_at) return fail(tenantDeleted(tenantId));
    if (row?.kms_key_id) return ok(row.kms_key_id);
    let keyId: string | null;
    try {
      keyId = await this.kms.tenantKeyId(tenantId);
    } catch (error) {
      if (!isKmsError(error)) throw error;
      // Destroyed at the KMS while this service's row said nothing yet: the tenant is being deleted.
      return fail(error.code === 'kms_key_not_found' ? tenantDeleted(tenantId) : kmsErrorToAppError(error));
    }
    if (keyId === null) return ok(undefined);
    await db.query(
      `INSERT INTO ${SCHEMA}.tenant_keys (tenant_id, kms_key_id, created_at) VALUES ($1, $2, now())
       ON CONFLICT (tenant_id) DO UPDATE SET kms_key_id = EXCLUDED.kms_key_id WHERE ${SCHEMA}.tenant_keys.kms_key_id IS NULL`,
      [tenantId, keyId],
    );
    return ok(keyId);
  }

  /**
   * Shreds the tenant: records the request (committed before the KMS is asked, so no key is made for the tenant from
   * here on), destroys its KMS key, then deletes its secrets as a DeleteSecret by hand would (SecretDeleted, so gateways
   * drop the values they hold in memory) and removes every envelope left. Every step is idempotent; a KMS that fails
   * leaves the request recorded and the call answers `unavailable`, so calling again finishes it.
   */
  async shred(tenantId: string, actor: Actor): Promise<Result<TenantKeyDestruction>> {
    const db = this.store.dataSource.manager;
    await db.query(
      `INSERT INTO ${SCHEMA}.tenant_keys (tenant_id, created_at, deletion_requested_at) VALUES ($1, now(), now())
       ON CONFLICT (tenant_id) DO UPDATE SET deletion_requested_at = COALESCE(${SCHEMA}.tenant_keys.deletion_requested_at, now())`,
      [tenantId],
    );
    let destroyed: TenantKeyDestruction;
    try {
      destroyed = await this.kms.destroyTenantKey(tenantId);
    } catch (error) {
      if (!isKmsError(error)) throw error;
      if (error.code === 'kms_unsupported') {
        return fail(appError('not_implemented', 'crypto-shredding needs a key per tenant: run the local KMS with KMS_LOCAL_DIR, or the aws backend'));
      }
      return fail(kmsErrorToAppError(error));
    }
    // Recorded at once: a retry finds the key gone (keyId null) and keeps this first record.
    await db.query(
      `UPDATE ${SCHEMA}.tenant_keys SET destroyed_at = COALESCE(destroyed_at, now()),
              destroyed_key_id = COALESCE(destroyed_key_id, $2), key_deletion_date = COALESCE(key_deletion_date, $3)
        WHERE tenant_id = $1`,
      [tenantId, destroyed.keyId, destroyed.deletionDate],
    );
    const deleted = await this.deleteSecrets(tenantId, actor);
    if (!deleted.ok) return deleted;
    await this.store.dataSource.transaction(async (tx) => {
      await tx.query(`DELETE FROM ${SCHEMA}.secret_versions WHERE tenant_id = $1`, [tenantId]);
      await tx.query(`DELETE FROM ${SCHEMA}.webhook_secrets WHERE tenant_id = $1`, [tenantId]);
    });
    const row = await rowOf(db, tenantId);
    return ok({ keyId: row?.destroyed_key_id ?? null, deletionDate: row?.key_deletion_date ?? null });
  }

  /** Providers that used them are gone with the tenant, so none is a dependent. */
  private async deleteSecrets(tenantId: string, actor: Actor): Promise<Result<void>> {
    const live: { id: string }[] = await this.store.dataSource.query(
      `SELECT id FROM ${SCHEMA}.secrets WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY id`,
      [tenantId],
    );
    for (const { id } of live) {
      const handled = await handleSecretCommand(
        this.store,
        tenantId,
        actor,
        { type: 'DeleteSecret', data: { secretId: id, dependents: [], now: new Date() } },
        (tx) => deleteSecretVersions(tx, id),
      );
      if (!handled.ok && handled.error.code !== 'secret_not_found') return handled;
    }
    return ok(undefined);
  }
}
