import type { Migration } from '@switchboard/event-store';
import { tenantQuotasMigration } from '@switchboard/service-runtime';

/** The service's schema; the event store's own tables live beside the read models. */
export const SCHEMA = 'providers';

/** Unique indexes whose violation is a business error rather than a fault (see unique-violation.ts). */
export const UNIQUE_NAMES = {
  provider: 'providers_tenant_name_key',
  model: 'models_provider_name_key',
  agent: 'agents_tenant_name_key',
  keyHash: 'access_keys_key_hash_key',
} as const;

/**
 * Read models of the providers context. Names are unique among live rows only, so a deleted provider's
 * name can be reused; ids are never reused. Ids prefixed `providers-service/` share `schema_migrations`
 * with the event store's own migrations.
 */
export const READ_MODEL_MIGRATIONS: readonly Migration[] = [
  {
    id: 'providers-service/001-read-models',
    sql: [
      `CREATE TABLE ${SCHEMA}.tenants (
         id text PRIMARY KEY,
         name text NOT NULL,
         version integer NOT NULL,
         created_at timestamptz NOT NULL
       )`,
      `CREATE TABLE ${SCHEMA}.access_keys (
         id text PRIMARY KEY,
         tenant_id text NOT NULL,
         name text NOT NULL,
         role text NOT NULL,
         agent_id text NULL,
         key_hash text NOT NULL,
         created_at timestamptz NOT NULL,
         revoked_at timestamptz NULL,
         last_used_at timestamptz NULL,
         CONSTRAINT ${UNIQUE_NAMES.keyHash} UNIQUE (key_hash)
       )`,
      `CREATE INDEX access_keys_tenant_idx ON ${SCHEMA}.access_keys (tenant_id) WHERE revoked_at IS NULL`,
      `CREATE TABLE ${SCHEMA}.providers (
         id text PRIMARY KEY,
         tenant_id text NOT NULL,
         name text NOT NULL,
         type text NOT NULL,
         endpoint text NOT NULL,
         protocol text NOT NULL,
         auth_method text NOT NULL,
         organization_id text NULL,
         default_model text NULL,
         rate_limit_rpm integer NULL,
         monthly_budget_usd double precision NULL,
         secret_id text NULL,
         version integer NOT NULL,
         created_at timestamptz NOT NULL,
         updated_at timestamptz NOT NULL,
         deleted_at timestamptz NULL
       )`,
      `CREATE UNIQUE INDEX ${UNIQUE_NAMES.provider} ON ${SCHEMA}.providers (tenant_id, lower(name)) WHERE deleted_at IS NULL`,
      `CREATE TABLE ${SCHEMA}.models (
         id text PRIMARY KEY,
         tenant_id text NOT NULL,
         provider_id text NOT NULL,
         name text NOT NULL,
         upstream_model text NOT NULL,
         source text NOT NULL,
         input_usd_per_mtok double precision NULL,
         output_usd_per_mtok double precision NULL,
         created_at timestamptz NOT NULL,
         deleted_at timestamptz NULL
       )`,
      // Model names are matched exactly: upstream model ids are case-sensitive.
      `CREATE UNIQUE INDEX ${UNIQUE_NAMES.model} ON ${SCHEMA}.models (provider_id, name) WHERE deleted_at IS NULL`,
      `CREATE TABLE ${SCHEMA}.agents (
         id text PRIMARY KEY,
         tenant_id text NOT NULL,
         name text NOT NULL,
         provider_id text NOT NULL,
         model text NULL,
         delivery text NOT NULL,
         version integer NOT NULL,
         created_at timestamptz NOT NULL,
         updated_at timestamptz NOT NULL,
         deleted_at timestamptz NULL
       )`,
      `CREATE UNIQUE INDEX ${UNIQUE_NAMES.agent} ON ${SCHEMA}.agents (tenant_id, lower(name)) WHERE deleted_at IS NULL`,
      `CREATE INDEX agents_provider_idx ON ${SCHEMA}.agents (provider_id) WHERE deleted_at IS NULL`,
      // Not event-sourced: the operator key is configuration of the deployment, not of a tenant.
      `CREATE TABLE ${SCHEMA}.operator_key (
         singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
         key_hash text NOT NULL,
         created_at timestamptz NOT NULL DEFAULT now()
       )`,
    ],
  },
  {
    id: 'providers-service/002-agent-starts',
    sql: [
      // Keys issued at an agent start: revoked by its stop, dead after expires_at whatever happens.
      `ALTER TABLE ${SCHEMA}.access_keys ADD COLUMN start_id text NULL, ADD COLUMN expires_at timestamptz NULL`,
      `CREATE INDEX access_keys_start_keys_idx ON ${SCHEMA}.access_keys (agent_id) WHERE start_id IS NOT NULL AND revoked_at IS NULL`,
      // One row per recorded start; start_version orders it against the agent's stops (same stream).
      `CREATE TABLE ${SCHEMA}.agent_starts (
         id text PRIMARY KEY,
         tenant_id text NOT NULL,
         agent_id text NOT NULL,
         recipient_id text NOT NULL,
         delivery text NOT NULL,
         provider_id text NULL,
         start_version integer NOT NULL,
         requested_at timestamptz NOT NULL,
         stopped_at timestamptz NULL
       )`,
      `CREATE INDEX agent_starts_running_idx ON ${SCHEMA}.agent_starts (agent_id) WHERE stopped_at IS NULL`,
    ],
  },
  {
    id: 'providers-service/003-agent-start-streams',
    sql: [
      // Starts moved to streams of their own (agent-start-<startId>), so a start's version no longer orders it
      // against its agent's stops: the global position does. For the starts recorded on the agent's stream the
      // two orders agree, so the position of their event replaces their version as it is.
      `ALTER TABLE ${SCHEMA}.agent_starts ADD COLUMN start_position bigint NULL`,
      `UPDATE ${SCHEMA}.agent_starts s SET start_position = e.position
         FROM ${SCHEMA}.events e
        WHERE e.stream_id = 'agent-' || s.agent_id AND e.version = s.start_version AND e.type = 'AgentStartRequested'`,
      `ALTER TABLE ${SCHEMA}.agent_starts ALTER COLUMN start_position SET NOT NULL`,
      `ALTER TABLE ${SCHEMA}.agent_starts DROP COLUMN start_version`,
      // Every stop of an agent, so a start applied after a stop positioned later (rebuild order is by transaction,
      // not by position) still ends up stopped by it.
      `CREATE TABLE ${SCHEMA}.agent_stops (
         agent_id text NOT NULL,
         position bigint NOT NULL,
         stopped_at timestamptz NOT NULL,
         PRIMARY KEY (agent_id, position)
       )`,
      `INSERT INTO ${SCHEMA}.agent_stops (agent_id, position, stopped_at)
       SELECT e.data->>'agentId', e.position, e.recorded_at FROM ${SCHEMA}.events e WHERE e.type = 'AgentStopped'
       ON CONFLICT DO NOTHING`,
    ],
  },
  {
    id: 'providers-service/004-agent-budgets',
    sql: [
      // Agents created before budgets have none: null, as their events fold.
      `ALTER TABLE ${SCHEMA}.agents ADD COLUMN monthly_budget_usd double precision NULL`,
    ],
  },
  {
    id: 'providers-service/005-prices-and-tenant-settings',
    sql: [
      // Null for models added before cached-input prices existed: the catalogue or the input price applies.
      `ALTER TABLE ${SCHEMA}.models ADD COLUMN cached_input_usd_per_mtok double precision NULL`,
      `ALTER TABLE ${SCHEMA}.tenants ADD COLUMN unpriced_models text NOT NULL DEFAULT 'allow'`,
    ],
  },
  {
    id: 'providers-service/006-operator-key-source',
    sql: [
      // `environment`: the key comes from SWITCHBOARD_OPERATOR_KEY; the slot is closed to generated keys.
      `ALTER TABLE ${SCHEMA}.operator_key ADD COLUMN source text NOT NULL DEFAULT 'generated' CHECK (source IN ('generated', 'environment'))`,
    ],
  },
  {
    id: 'providers-service/007-list-pages',
    sql: [
      // Keyset pages walk (created_at, id) inside a tenant (models: inside a provider); quotas count live rows per tenant.
      `CREATE INDEX providers_tenant_page_idx ON ${SCHEMA}.providers (tenant_id, created_at, id) WHERE deleted_at IS NULL`,
      `CREATE INDEX agents_tenant_page_idx ON ${SCHEMA}.agents (tenant_id, created_at, id) WHERE deleted_at IS NULL`,
      `CREATE INDEX models_provider_page_idx ON ${SCHEMA}.models (provider_id, created_at, id) WHERE deleted_at IS NULL`,
      `CREATE INDEX models_tenant_live_idx ON ${SCHEMA}.models (tenant_id) WHERE deleted_at IS NULL`,
      `CREATE INDEX access_keys_tenant_page_idx ON ${SCHEMA}.access_keys (tenant_id, created_at, id) WHERE revoked_at IS NULL`,
    ],
  },
  tenantQuotasMigration('providers-service/008-tenant-quotas', SCHEMA),
  {
    id: 'providers-service/009-server-side-bounds',
    sql: [
      // Null: budgeted routes refuse history stored at the provider and tools it bills apart (the tenant set no bound).
      `ALTER TABLE ${SCHEMA}.tenants ADD COLUMN server_history_tokens integer NULL`,
      `ALTER TABLE ${SCHEMA}.tenants ADD COLUMN server_tool_call_usd double precision NULL`,
    ],
  },
  {
    id: 'providers-service/010-credential-status',
    sql: [
      // What the upstream last said of the provider's current credential; reset when the credential changes.
      `ALTER TABLE ${SCHEMA}.providers ADD COLUMN credential_state text NOT NULL DEFAULT 'unchecked'`,
      `ALTER TABLE ${SCHEMA}.providers ADD COLUMN credential_checked_at timestamptz NULL`,
      `ALTER TABLE ${SCHEMA}.providers ADD COLUMN credential_detail text NULL`,
    ],
  },
  {
    id: 'providers-service/011-tenant-deletion',
    sql: [
      // Set by TenantDeletionStarted: from then on the tenant's keys are refused and it is not found; deleted_at once
      // its data keys are destroyed (TenantDeleted). The row stays: the tenant's history remains readable.
      `ALTER TABLE ${SCHEMA}.tenants ADD COLUMN deletion_started_at timestamptz NULL`,
      `ALTER TABLE ${SCHEMA}.tenants ADD COLUMN deleted_at timestamptz NULL`,
    ],
  },
  {
    id: 'providers-service/012-agent-fallbacks',
    sql: [
      // [{providerId, model}] in failover order; agents recorded before failover have none.
      `ALTER TABLE ${SCHEMA}.agents ADD COLUMN fallbacks jsonb NOT NULL DEFAULT '[]'::jsonb`,
      // A provider's deletion looks for live agents that fall back to it (fallbacks @> [{providerId}]).
      `CREATE INDEX agents_fallbacks_idx ON ${SCHEMA}.agents USING gin (fallbacks jsonb_path_ops) WHERE deleted_at IS NULL`,
    ],
  },
];
