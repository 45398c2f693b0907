import type { SecretKind } from '@switchboard/contracts';
import type { Tx } from '@switchboard/event-store';
import type { KmsContext, SecretEnvelope } from '@switchboard/kms';
import { SCHEMA } from '../read-models/credentials.migrations.js';

/**
 * The encryption context of one secret version, rebuilt exactly the same way on every read: KMS binds the
 * wrapped data key to it and AES-GCM binds the ciphertext to it, so a row moved to another secret,
 * version or tenant does not open.
 */
export function secretContext(tenantId: string, secretId: string, version: number): KmsContext {
  return { tenantId, secretId, version: String(version) };
}

export interface StoredSecretVersion {
  readonly kind: SecretKind;
  readonly envelope: SecretEnvelope;
}

interface EnvelopeRow {
  kind: SecretKind;
  wrapped_key: Buffer;
  kms_key_id: string;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

export async function insertSecretVersion(
  tx: Tx,
  row: { tenantId: string; secretId: string; version: number; kind: SecretKind; envelope: SecretEnvelope; at: Date },
): Promise<void> {
  const { envelope } = row;
  await tx.query(
    `INSERT INTO ${SCHEMA}.secret_versions (tenant_id, secret_id, version, kind, wrapped_key, kms_key_id, iv, ciphertext, tag, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [row.tenantId, row.secretId, row.version, row.kind, envelope.wrappedKey, envelope.kmsKeyId, envelope.iv, envelope.ciphertext, envelope.tag, row.at],
  );
}

/** The envelope of one version of a tenant's secret, or null (unknown, foreign, or shredded). */
export async function readSecretVersion(db: Tx, tenantId: string, secretId: string, version: number): Promise<StoredSecretVersion | null> {
  const rows: EnvelopeRow[] = await db.query(
    `SELECT kind, wrapped_key, kms_key_id, iv, ciphertext, tag FROM ${SCHEMA}.secret_versions
      WHERE tenant_id = $1 AND secret_id = $2 AND version = $3`,
    [tenantId, secretId, version],
  );
  const row = rows[0];
  if (row === undefined) return null;
  return {
    kind: row.kind,
    envelope: { wrappedKey: row.wrapped_key, kmsKeyId: row.kms_key_id, iv: row.iv, ciphertext: row.ciphertext, tag: row.tag },
  };
}

/** Crypto-shred: without its envelopes a deleted secret cannot be decrypted by anyone, KMS included. */
export async function deleteSecretVersions(tx: Tx, secretId: string): Promise<void> {
  await tx.query(`DELETE FROM ${SCHEMA}.secret_versions WHERE secret_id = $1`, [secretId]);
}
