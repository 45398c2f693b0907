import { z } from 'zod';
import type { DataSource } from 'typeorm';
import { decryptSecret, isKmsError, type KmsContext, type KmsPort } from '@switchboard/kms';
import { SCHEMA } from '../read-models/credentials.migrations.js';
import { secretContext } from '../secrets/secret-versions.repository.js';
import { webhookSecretContext } from '../webhook-secrets/webhook-secret.repository.js';

const Base64 = z.string().refine((s) => Buffer.from(s, 'base64').toString('base64') === s, 'must be standard base64');

/** One stored envelope as the tables hold it, bytea columns in base64: what a dump or a restored backup gives back. */
export const EnvelopeRow = z.discriminatedUnion('table', [
  z.object({ table: z.literal('secret_versions'), tenant_id: z.string(), secret_id: z.string(), version: z.number().int() }).extend({
    wrapped_key: Base64, kms_key_id: z.string(), iv: Base64, ciphertext: Base64, tag: Base64,
  }),
  z.object({ table: z.literal('webhook_secrets'), tenant_id: z.string(), id: z.string() }).extend({
    wrapped_key: Base64, kms_key_id: z.string(), iv: Base64, ciphertext: Base64, tag: Base64,
  }),
]);
export type EnvelopeRow = z.infer<typeof EnvelopeRow>;

/** `opened`: the value decrypts (only the fact is reported, never the value); otherwise the KmsError code. */
export interface RowOutcome {
  readonly table: EnvelopeRow['table'];
  readonly id: string;
  readonly outcome: string;
}

function contextOf(row: EnvelopeRow): KmsContext {
  return row.table === 'secret_versions' ? secretContext(row.tenant_id, row.secret_id, row.version) : webhookSecretContext(row.tenant_id, row.id);
}

/**
 * Tries to open each envelope with the service's own envelope code and KMS backend, exactly as a read of the secret
 * would: after a tenant's deletion, every row of the tenant, from any copy of the tables, must fail. The plaintext of a
 * row that opens is zeroed at once.
 */
export async function tryOpenEnvelopes(kms: KmsPort, rows: readonly EnvelopeRow[]): Promise<RowOutcome[]> {
  const outcomes: RowOutcome[] = [];
  for (const row of rows) {
    const b64 = (value: string) => Buffer.from(value, 'base64');
    const envelope = { wrappedKey: b64(row.wrapped_key), kmsKeyId: row.kms_key_id, iv: b64(row.iv), ciphertext: b64(row.ciphertext), tag: b64(row.tag) };
    const id = row.table === 'secret_versions' ? `${row.secret_id}/${row.version}` : row.id;
    try {
      (await decryptSecret(kms, envelope, contextOf(row))).fill(0);
      outcomes.push({ table: row.table, id, outcome: 'opened' });
    } catch (error) {
      if (!isKmsError(error) || error.code === 'kms_unavailable') throw error;
      outcomes.push({ table: row.table, id, outcome: error.code });
    }
  }
  return outcomes;
}

/** The tenant's envelopes in a database (the live one, or a backup restored elsewhere). */
export async function tenantEnvelopes(db: DataSource, tenantId: string): Promise<EnvelopeRow[]> {
  const b64 = (value: Buffer) => value.toString('base64');
  const versions: { secret_id: string; version: number; wrapped_key: Buffer; kms_key_id: string; iv: Buffer; ciphertext: Buffer; tag: Buffer }[] = await db.query(
    `SELECT secret_id, version, wrapped_key, kms_key_id, iv, ciphertext, tag FROM ${SCHEMA}.secret_versions WHERE tenant_id = $1 ORDER BY secret_id, version`,
    [tenantId],
  );
  const webhooks: { id: string; wrapped_key: Buffer; kms_key_id: string; iv: Buffer; ciphertext: Buffer; tag: Buffer }[] = await db.query(
    `SELECT id, wrapped_key, kms_key_id, iv, ciphertext, tag FROM ${SCHEMA}.webhook_secrets WHERE tenant_id = $1 ORDER BY id`,
    [tenantId],
  );
  const common = (r: { wrapped_key: Buffer; kms_key_id: string; iv: Buffer; ciphertext: Buffer; tag: Buffer }) => ({
    tenant_id: tenantId, wrapped_key: b64(r.wrapped_key), kms_key_id: r.kms_key_id, iv: b64(r.iv), ciphertext: b64(r.ciphertext), tag: b64(r.tag),
  });
  return [
    ...versions.map((r) => ({ table: 'secret_versions' as const, ...common(r), secret_id: r.secret_id, version: r.version })),
    ...webhooks.map((r) => ({ table: 'webhook_secrets' as const, ...common(r), id: r.id })),
  ];
}
