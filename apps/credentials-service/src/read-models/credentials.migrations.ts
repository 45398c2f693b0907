import type { Migration } from '@switchboard/event-store';
import { tenantQuotasMigration } from '@switchboard/service-runtime';

/** The service's schema; the event store's own tables live beside these. */
export const SCHEMA = 'credentials';

/**
 * Ids prefixed `credentials-service/` share `schema_migrations` with the event store's own migrations.
 *
 * - `secrets`, `recipients`: read models, rebuilt from events.
 * - `secret_versions`: one envelope per secret version (the data key wrapped by KMS, the KMS key id, and
 *   the AES-256-GCM iv / ciphertext / tag). Not derived from events — values never enter the event
 *   store — and deleted with the secret, which is what makes deletion a crypto-shred.
 * - `service_keys`: this service's own keys (transport key pair, fingerprint key), enveloped the same way.
 * - `tenant_quotas`: the operator's per-tenant limits of secrets and recipients.
 * - `webhook_secrets`: the signing secret of each webhook (usage-service's), enveloped like secret versions;
 *   a table of its own so it is never listed, described or revealed as a tenant secret.
 * - `tenant_keys`: each tenant's own KMS key, which wraps every data key of the tenant, and its deletion. A row whose
 *   `deletion_requested_at` is set never gets a key again; its key is destroyed at the KMS, which is what makes every
 *   copy of the tenant's envelopes (dumps, backups) unreadable.
 */
export const CREDENTIALS_MIGRATIONS: readonly Migration[] = [
  {
    id: 'credentials-service/001-secrets',
    sql: [
      `CREATE TABLE ${SCHEMA}.secrets (
         id text PRIMARY KEY,
         tenant_id text NOT NULL,
         name text NOT NULL,
         kind text NOT NULL,
         version integer NOT NULL,
         fingerprint text NOT NULL,
         hint text NOT NULL,
         created_at timestamptz NOT NULL,
         updated_at timestamptz NOT NULL,
         deleted_at timestamptz NULL
       )`,
      `CREATE INDEX secrets_tenant_idx ON ${SCHEMA}.secrets (tenant_id, created_at) WHERE deleted_at IS NULL`,
      `CREATE TABLE ${SCHEMA}.secret_versions (
         tenant_id text NOT NULL,
         secret_id text NOT NULL,
         version integer NOT NULL,
         kind text NOT NULL,
         wrapped_key bytea NOT NULL,
         kms_key_id text NOT NULL,
         iv bytea NOT NULL,
         ciphertext bytea NOT NULL,
         tag bytea NOT NULL,
         created_at timestamptz NOT NULL,
         PRIMARY KEY (secret_id, version)
       )`,
      `CREATE TABLE ${SCHEMA}.recipients (
         id text PRIMARY KEY,
         tenant_id text NOT NULL,
         name text NOT NULL,
         public_key text NOT NULL,
         created_at timestamptz NOT NULL
       )`,
      `CREATE INDEX recipients_tenant_idx ON ${SCHEMA}.recipients (tenant_id, created_at)`,
      `CREATE TABLE ${SCHEMA}.service_keys (
         name text PRIMARY KEY,
         wrapped_key bytea NOT NULL,
         kms_key_id text NOT NULL,
         iv bytea NOT NULL,
         ciphertext bytea NOT NULL,
         tag bytea NOT NULL,
         created_at timestamptz NOT NULL DEFAULT now()
       )`,
    ],
  },
  {
    id: 'credentials-service/002-list-pages',
    sql: [
      // Keyset pages walk (created_at, id) inside a tenant.
      `CREATE INDEX secrets_tenant_page_idx ON ${SCHEMA}.secrets (tenant_id, created_at, id) WHERE deleted_at IS NULL`,
      `CREATE INDEX recipients_tenant_page_idx ON ${SCHEMA}.recipients (tenant_id, created_at, id)`,
    ],
  },
  tenantQuotasMigration('credentials-service/003-tenant-quotas', SCHEMA),
  {
    id: 'credentials-service/004-webhook-secrets',
    sql: [
      `CREATE TABLE ${SCHEMA}.webhook_secrets (
         id text PRIMARY KEY,
         tenant_id text NOT NULL,
         webhook_id text NOT NULL,
         wrapped_key bytea NOT NULL,
         kms_key_id text NOT NULL,
         iv bytea NOT NULL,
         ciphertext bytea NOT NULL,
         tag bytea NOT NULL,
         created_at timestamptz NOT NULL
       )`,
    ],
  },
  {
    id: 'credentials-service/005-tenant-keys',
    sql: [
      `CREATE TABLE ${SCHEMA}.tenant_keys (
         tenant_id text PRIMARY KEY,
         kms_key_id text NULL,
         created_at timestamptz NOT NULL,
         deletion_requested_at timestamptz NULL,
         destroyed_at timestamptz NULL,
         destroyed_key_id text NULL,
         key_deletion_date text NULL
       )`,
      `CREATE INDEX secret_versions_tenant_idx ON ${SCHEMA}.secret_versions (tenant_id)`,
      `CREATE INDEX webhook_secrets_tenant_idx ON ${SCHEMA}.webhook_secrets (tenant_id)`,
    ],
  },
];
