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
  contextOf(row: Record<string, unknown>): KmsContext;
}

const TABLES: readonly EnvelopeTable[] = [
  {
    name: 'secret_versions',
    keys: ['secret_id', 'version'],
    contextColumns: ['tenant_id'],
    contextOf: (row) => secretContext(String(row['tenant_id']), String(row['secret_id']), Number(row['version'])),
  },
  { name: 'service_keys', keys: ['name'], contextColumns: [], contextOf: (row) => serviceKeyContext(String(row['name'])) },
  { name: 'webhook_secrets', keys: ['id'], contextColumns: ['tenant_id'], contextOf: (row) => webhookSecretContext(String(row['tenant_id']), String(row['id'])) },
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
 * Re-wraps every data key not yet under `target` with KMS ReEncrypt, so neither a data key nor a value
 * ever leaves KMS in plaintext; iv, ciphertext and tag are untouched. Each row is its own small
 * transaction, locked and guarded by `kms_key_id <> target`: a run that stops anywhere leaves every row
 * either fully old or fully new, and running again picks up exactly the rows still to do.
 * A row that does not open (tampered, moved) is reported and skipped; KMS being unavailable stops the run.
 */
export async function rewrapDataKeys(db: DataSource, kms: KmsPort, target: string, options: RewrapOptions = {}): Promise<RewrapReport> {
  const batchSize = options.batchSize ?? REWRAP_BATCH_SIZE;
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
          guard = outcome.keyId;
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
  const rows: { n: number }[] = await db.query(`SELECT count(*)::int AS n FROM ${qualified(table)} WHERE kms_key_id <> $1`, [target]);
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
    `SELECT ${keys} FROM ${qualified(table)} WHERE kms_key_id <> $1 ${cursor} ORDER BY ${keys} LIMIT $2`,
    params,
  );
  return rows;
}

type RowOutcome = { kind: 'rewrapped'; keyId: string } | { kind: 'skipped' } | { kind: 'failed'; message: string };

async function rewrapRow(db: DataSource, kms: KmsPort, table: EnvelopeTable, id: Record<string, unknown>, target: string): Promise<RowOutcome> {
  const where = table.keys.map((key, i) => `${key} = $${i + 2}`).join(' AND ');
  const idValues = table.keys.map((key) => id[key]);
  const label = `${table.name} ${idValues.join('/')}`;
  try {
    return await db.transaction(async (tx): Promise<RowOutcome> => {
      const rows: Record<string, unknown>[] = await tx.query(
        `SELECT ${[...table.keys, ...table.contextColumns, 'wrapped_key'].join(', ')} FROM ${qualified(table)}
          WHERE kms_key_id <> $1 AND ${where} FOR UPDATE`,
        [target, ...idValues],
      );
      const row = rows[0];
      // Rewrapped by a concurrent run, or deleted (crypto-shredded) since the batch was read.
      if (row === undefined) return { kind: 'skipped' };
      const rewrapped = await kms.reEncryptDataKey(row['wrapped_key'] as Buffer, table.contextOf(row), target);
      await tx.query(
        `UPDATE ${qualified(table)} SET wrapped_key = $${idValues.length + 2}, kms_key_id = $${idValues.length + 3}
          WHERE kms_key_id <> $1 AND ${where}`,
        [target, ...idValues, rewrapped.wrapped, rewrapped.keyId],
      );
      return { kind: 'rewrapped', keyId: rewrapped.keyId };
    });
  } catch (error) {
    if (!isKmsError(error) || error.code === 'kms_unavailable') throw error;
    return { kind: 'failed', message: `${label}: ${error.code}` };
  }
}
