import type { DataSource } from 'typeorm';
import { isKmsError, type KmsContext, type KmsPort } from '@switchboard/kms';
import { SCHEMA } from '../read-models/credentials.migrations.js';
import { secretContext } from '../secrets/secret-versions.repository.js';
import { serviceKeyContext } from '../service-keys/service-keys.repository.js';
import { webhookSecretContext } from '../webhook-secrets/webhook-secret.repository.js';

export const REWRAP_BATCH_SIZE = 100;

/** A table of enveloped keys: how to page through it and how to rebuild each row's encryption context. */
interface EnvelopeTable {
  readonly name: string;
  /** Primary key columns, in keyset order. */
  readonly keys: readonly string[];
  /** Extra columns the context needs. */
  readonly contextColumns: readonly string[];
  /** Rows of a tenant: they go under the tenant's own key (tenant_keys), not the target. */
  readonly tenantScoped: boolean;
  contextOf(row: Record<string, unknown>): KmsContext;
}

const TABLES: readonly EnvelopeTable[] = [
  {
    name: 'secret_versions',
    keys: ['secret_id', 'version'],
    contextColumns: ['tenant_id'],
    tenantScoped: true,
    contextOf: (row) => secretContext(String(row['tenant_id']), String(row['secret_id']), Number(row['version'])),
  },
  { name: 'service_keys', keys: ['name'], contextColumns: [], tenantScoped: false, contextOf: (row) => serviceKeyContext(String(row['name'])) },
  {
    name: 'webhook_secrets',
    keys: ['id'],
    contextColumns: ['tenant_id'],
    tenantScoped: true,
    contextOf: (row) => webhookSecretContext(String(row['tenant_id']), String(row['id'])),
  },
];

export interface RewrapProgress {
  readonly done: number;
  readonly total: number;
  readonly failed: number;
}

export interface RewrapOptions {
  readonly batchSize?: number;
  /** Checked between batches: the batch in flight finishes, then the run stops (run again to resume). */
  readonly signal?: AbortSignal;
  /** After every batch. */
  readonly onProgress?: (progress: RewrapProgress) => void;
  /** One line per row that could not be rewrapped (ids only, never key material). */
  readonly onRowFailure?: (message: string) => void;
}

export interface RewrapReport extends RewrapProgress {
  readonly target: string;
  readonly interrupted: boolean;
}

/**
 * The key a row belongs under, as SQL over the row (alias `t`) with `$1` = the target: its tenant's key where the tenant
 * has one, else the target. Rows of a tenant whose deletion was requested are left alone (the shred removes them).
 */
function targetSql(table: EnvelopeTable): string {
  return table.tenantScoped ? `COALESCE((SELECT tk.kms_key_id FROM ${SCHEMA}.tenant_keys tk WHERE tk.tenant_id = t.tenant_id), $1)` : '$1';
}

function pendingSql(table: EnvelopeTable): string {
  if (!table.tenantScoped) return 't.kms_key_id <> $1';
  return `t.kms_key_id IS DISTINCT FROM ${targetSql(table)} AND NOT EXISTS (
    SELECT 1 FROM ${SCHEMA}.tenant_keys d WHERE d.tenant_id = t.tenant_id AND d.deletion_requested_at IS NOT NULL)`;
}

/**
 * Gives every tenant that has envelopes its own KMS key (KmsPort.tenantKeyId), recorded in tenant_keys, so the run
 * moves the tenant's rows under it: the migration of secrets written before tenant keys existed. A backend without
 * tenant keys (a single local master key) leaves them under the target.
 */
async function ensureTenantKeys(db: DataSource, kms: KmsPort): Promise<void> {
  const tenants: { tenant_id: string }[] = await db.query(
    `SELECT DISTINCT tenant_id FROM (SELECT tenant_id FROM ${SCHEMA}.secret_versions UNION SELECT tenant_id FROM ${SCHEMA}.webhook_secrets) s
      WHERE NOT EXISTS (SELECT 1 FROM ${SCHEMA}.tenant_keys tk WHERE tk.tenant_id = s.tenant_id AND (tk.kms_key_id IS NOT NULL OR tk.deletion_requested_at IS NOT NULL))`,
  );
  for (const { tenant_id: tenantId } of tenants) {
    const keyId = await kms.tenantKeyId(tenantId);
    if (keyId === null) return;
    await db.query(
      `INSERT INTO ${SCHEMA}.tenant_keys (tenant_id, kms_key_id, created_at) VALUES ($1, $2, now())
       ON CONFLICT (tenant_id) DO UPDATE SET kms_key_id = EXCLUDED.kms_key_id WHERE ${SCHEMA}.tenant_keys.kms_key_id IS NULL`,
      [tenantId, keyId],
    );
  }
}

/**
 * Re-wraps every data key not yet under its key with KMS ReEncrypt: service keys under `target`, a tenant's secrets and
 * webhook secrets under the tenant's own key (created here for tenants that have none yet), never back under `target`,
 * which would undo crypto-shredding. Neither a data key nor a value ever leaves KMS in plaintext; iv, ciphertext and
 * tag are untouched. Each row is its own small transaction, locked and guarded by "not yet under its key": a run that stops anywhere leaves every row
 * either fully old or fully new, and running again picks up exactly the rows still to do.
 * A row that does not open (tampered, moved) is reported and skipped; KMS being unavailable stops the run.
 */
export async function rewrapDataKeys(db: DataSource, kms: KmsPort, target: string, options: RewrapOptions = {}): Promise<RewrapReport> {
  const batchSize = options.batchSize ?? REWRAP_BATCH_SIZE;
  await ensureTenantKeys(db, kms);
  // A target given as an alias comes back from KMS as a key ARN: the guard then follows what is stored.
  let guard = target;
  let total = 0;
  for (const table of TABLES) total += await countPending(db, table, guard);
  let done = 0;
  let failed = 0;
  const report = (interrupted: boolean): RewrapReport => ({ target: guard, done, total, failed, interrupted });

  for (const table of TABLES) {
    let after: unknown[] | null = null;
    for (;;) {
      if (options.signal?.aborted) return report(true);
      const batch = await pendingBatch(db, table, guard, after, batchSize);
      if (batch.length === 0) break;
      for (const row of batch) {
        const outcome = await rewrapRow(db, kms, table, row, guard);
        if (outcome.kind === 'rewrapped') {
          done++;
          if (!table.tenantScoped) guard = outcome.keyId;
        } else if (outcome.kind === 'failed') {
          failed++;
          options.onRowFailure?.(outcome.message);
        }
      }
      const last = batch.at(-1) ?? {};
      after = table.keys.map((key) => last[key]);
      options.onProgress?.({ done, total, failed });
    }
  }
  return report(false);
}

const qualified = (table: EnvelopeTable): string => `${SCHEMA}.${table.name}`;

async function countPending(db: DataSource, table: EnvelopeTable, target: string): Promise<number> {
  const rows: { n: number }[] = await db.query(`SELECT count(*)::int AS n FROM ${qualified(table)} t WHERE ${pendingSql(table)}`, [target]);
  return rows[0]?.n ?? 0;
}

/** Keyset paging: each row is visited once per run even when it cannot be rewrapped. */
async function pendingBatch(db: DataSource, table: EnvelopeTable, target: string, after: unknown[] | null, limit: number) {
  const keys = table.keys.join(', ');
  const params: unknown[] = [target, limit];
  let cursor = '';
  if (after !== null) {
    cursor = `AND (${keys}) > (${after.map((value) => `$${params.push(value)}`).join(', ')})`;
  }
  const rows: Record<string, unknown>[] = await db.query(
    `SELECT ${keys} FROM ${qualified(table)} t WHERE ${pendingSql(table)} ${cursor} ORDER BY ${keys} LIMIT $2`,
    params,
  );
  return rows;
}

type RowOutcome = { kind: 'rewrapped'; keyId: string } | { kind: 'skipped' } | { kind: 'failed'; message: string };

async function rewrapRow(db: DataSource, kms: KmsPort, table: EnvelopeTable, id: Record<string, unknown>, target: string): Promise<RowOutcome> {
  const where = table.keys.map((key, i) => `t.${key} = $${i + 2}`).join(' AND ');
  const idValues = table.keys.map((key) => id[key]);
  const label = `${table.name} ${idValues.join('/')}`;
  try {
    return await db.transaction(async (tx): Promise<RowOutcome> => {
      const rows: Record<string, unknown>[] = await tx.query(
        `SELECT ${[...table.keys, ...table.contextColumns, 'wrapped_key'].map((c) => `t.${c}`).join(', ')}, ${targetSql(table)} AS target
           FROM ${qualified(table)} t WHERE ${pendingSql(table)} AND ${where} FOR UPDATE OF t`,
        [target, ...idValues],
      );
      const row = rows[0];
      // Rewrapped by a concurrent run, or deleted (crypto-shredded) since the batch was read.
      if (row === undefined) return { kind: 'skipped' };
      const rewrapped = await kms.reEncryptDataKey(row['wrapped_key'] as Buffer, table.contextOf(row), String(row['target']));
      await tx.query(
        `UPDATE ${qualified(table)} t SET wrapped_key = $${idValues.length + 2}, kms_key_id = $${idValues.length + 3}
          WHERE ${pendingSql(table)} AND ${where}`,
        [target, ...idValues, rewrapped.wrapped, rewrapped.keyId],
      );
      return { kind: 'rewrapped', keyId: rewrapped.keyId };
    });
  } catch (error) {
    if (!isKmsError(error) || error.code === 'kms_unavailable') throw error;
    return { kind: 'failed', message: `${label}: ${error.code}` };
  }
}
