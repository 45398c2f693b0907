import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { PgEventStore, Tx } from '@switchboard/event-store';
import { decryptSecret, encryptSecret, type KmsContext, type KmsPort, type SecretEnvelope } from '@switchboard/kms';
import { generateRecipientKeyPair } from '@switchboard/sealing';
import { SCHEMA } from '../read-models/credentials.migrations.js';
import type { ServiceKeyMaterial } from './service-keys.js';

export const SERVICE_KEY_NAMES = {
  /** X25519 pair the gateway seals secret values to (CredentialsOps.transportKey). */
  transport: 'transport-x25519',
  /** HMAC key of secret fingerprints: without it a fingerprint cannot be used to test guesses. */
  fingerprint: 'fingerprint-hmac',
} as const;
type ServiceKeyName = (typeof SERVICE_KEY_NAMES)[keyof typeof SERVICE_KEY_NAMES];

const FINGERPRINT_KEY_BYTES = 32;
const TransportPair = z.strictObject({ publicKey: z.string(), privateKey: z.string() });

/** Bound by KMS and AES-GCM like a secret's context, so a service key row opens only as itself. */
export function serviceKeyContext(name: string): KmsContext {
  return { purpose: 'credentials-service-key', name };
}

interface ServiceKeyRow {
  name: string;
  wrapped_key: Buffer;
  kms_key_id: string;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

const envelopeOf = (row: ServiceKeyRow): SecretEnvelope => ({
  wrappedKey: row.wrapped_key,
  kmsKeyId: row.kms_key_id,
  iv: row.iv,
  ciphertext: row.ciphertext,
  tag: row.tag,
});

async function readRows(db: Tx): Promise<Map<string, ServiceKeyRow>> {
  const rows: ServiceKeyRow[] = await db.query(`SELECT name, wrapped_key, kms_key_id, iv, ciphertext, tag FROM ${SCHEMA}.service_keys`);
  return new Map(rows.map((row) => [row.name, row]));
}

function freshKey(name: ServiceKeyName): Buffer {
  return name === SERVICE_KEY_NAMES.transport ? Buffer.from(JSON.stringify(generateRecipientKeyPair()), 'utf8') : randomBytes(FINGERPRINT_KEY_BYTES);
}

/**
 * Creates whichever service key is missing. Replicas starting together serialise on an advisory lock
 * and re-read under it, so each key is created exactly once; the rows commit only if KMS wrapped every
 * new key (a KMS failure rolls the transaction back and the caller retries).
 */
async function createMissing(store: PgEventStore, kms: KmsPort): Promise<void> {
  await store.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`switchboard.${SCHEMA}.service_keys`]);
    const existing = await readRows(tx);
    for (const name of Object.values(SERVICE_KEY_NAMES)) {
      if (existing.has(name)) continue;
      const plaintext = freshKey(name);
      try {
        const envelope = await encryptSecret(kms, plaintext, serviceKeyContext(name));
        await tx.query(
          `INSERT INTO ${SCHEMA}.service_keys (name, wrapped_key, kms_key_id, iv, ciphertext, tag) VALUES ($1, $2, $3, $4, $5, $6)`,
          [name, envelope.wrappedKey, envelope.kmsKeyId, envelope.iv, envelope.ciphertext, envelope.tag],
        );
      } finally {
        plaintext.fill(0);
      }
    }
  });
}

async function open(kms: KmsPort, row: ServiceKeyRow | undefined, name: ServiceKeyName): Promise<Buffer> {
  if (row === undefined) throw new Error(`service key ${name} is missing`);
  return decryptSecret(kms, envelopeOf(row), serviceKeyContext(name));
}

/** Loads the service keys, creating them on the very first start. Rejects (KmsError, pg errors) for the caller to retry. */
export async function loadServiceKeys(store: PgEventStore, kms: KmsPort): Promise<ServiceKeyMaterial> {
  let rows = await readRows(store.dataSource.manager);
  if (Object.values(SERVICE_KEY_NAMES).some((name) => !rows.has(name))) {
    await createMissing(store, kms);
    rows = await readRows(store.dataSource.manager);
  }
  const fingerprintKey = await open(kms, rows.get(SERVICE_KEY_NAMES.fingerprint), SERVICE_KEY_NAMES.fingerprint);
  const transportBytes = await open(kms, rows.get(SERVICE_KEY_NAMES.transport), SERVICE_KEY_NAMES.transport);
  try {
    const transport = TransportPair.parse(JSON.parse(transportBytes.toString('utf8')));
    return { transport, fingerprintKey };
  } catch (error) {
    fingerprintKey.fill(0);
    throw error;
  } finally {
    transportBytes.fill(0);
  }
}
