import type { Tx } from '@switchboard/event-store';
import type { KmsContext, SecretEnvelope } from '@switchboard/kms';
import { SCHEMA } from '../read-models/credentials.migrations.js';

/**
 * The encryption context of a webhook's signing secret. Its keys differ from a tenant secret's
 * ({tenantId, secretId, version}), so an envelope moved between the two tables does not open.
 */
export function webhookSecretContext(tenantId: string, webhookSecretId: string): KmsContext {
  return { tenantId, webhookSecretId };
}

interface EnvelopeRow {
  wrapped_key: Buffer;
  kms_key_id: string;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

export async function insertWebhookSecret(
  db: Tx,
  row: { id: string; tenantId: string; webhookId: string; envelope: SecretEnvelope; at: Date },
): Promise<void> {
  const { envelope } = row;
  await db.query(
    `INSERT INTO ${SCHEMA}.webhook_secrets (id, tenant_id, webhook_id, wrapped_key, kms_key_id, iv, ciphertext, tag, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [row.id, row.tenantId, row.webhookId, envelope.wrappedKey, envelope.kmsKeyId, envelope.iv, envelope.ciphertext, envelope.tag, row.at],
  );
}

/** The envelope of a tenant's webhook secret, or null (unknown, another tenant's, or destroyed). */
export async function readWebhookSecret(db: Tx, tenantId: string, id: string): Promise<SecretEnvelope | null> {
  const rows: EnvelopeRow[] = await db.query(
    `SELECT wrapped_key, kms_key_id, iv, ciphertext, tag FROM ${SCHEMA}.webhook_secrets WHERE tenant_id = $1 AND id = $2`,
    [tenantId, id],
  );
  const row = rows[0];
  return row === undefined ? null : { wrappedKey: row.wrapped_key, kmsKeyId: row.kms_key_id, iv: row.iv, ciphertext: row.ciphertext, tag: row.tag };
}

/** Crypto-shred, as for tenant secrets: without the envelope nobody can sign as this webhook again. */
export async function deleteWebhookSecret(db: Tx, tenantId: string, id: string): Promise<void> {
  await db.query(`DELETE FROM ${SCHEMA}.webhook_secrets WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
}
