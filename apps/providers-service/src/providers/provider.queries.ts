import {
  appError,
  cutPage,
  encodeCursor,
  fail,
  ok,
  type AppError,
  type Page,
  type ProviderView,
  type Result,
  type StartProviderSnapshot,
  type TimeIdSortKey,
} from '@switchboard/contracts';
import type { ProviderDependents } from '@switchboard/providers-domain';
import { afterSortKey, sortInstantOf, type Tx } from '@switchboard/event-store';
import { SCHEMA } from '../read-models/read-models.migrations.js';

interface ProviderRow {
  id: string;
  name: string;
  type: ProviderView['type'];
  endpoint: string;
  protocol: ProviderView['protocol'];
  auth_method: ProviderView['authMethod'];
  organization_id: string | null;
  default_model: string | null;
  rate_limit_rpm: number | null;
  monthly_budget_usd: number | null;
  secret_id: string | null;
  credential_state: ProviderView['credentialStatus']['state'];
  credential_checked_at: Date | null;
  credential_detail: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
  model_count: number;
}

function toView(row: ProviderRow): ProviderView {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    endpoint: row.endpoint,
    protocol: row.protocol,
    authMethod: row.auth_method,
    organizationId: row.organization_id,
    defaultModel: row.default_model,
    rateLimitRpm: row.rate_limit_rpm,
    monthlyBudgetUsd: row.monthly_budget_usd,
    // Hint and secret version belong to the credentials context; only the reference is known here.
    credential: row.secret_id === null ? null : { secretId: row.secret_id, hint: null, version: null },
    credentialStatus: {
      state: row.credential_state,
      checkedAt: row.credential_checked_at?.toISOString() ?? null,
      detail: row.credential_detail,
    },
    modelCount: row.model_count,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

const LIVE = `p.deleted_at IS NULL`;

export const providerNotFound = (id: string): AppError => appError('provider_not_found', `provider ${id} not found`);

const MODEL_COUNT = `(SELECT count(*)::int FROM ${SCHEMA}.models m WHERE m.provider_id = p.id AND m.deleted_at IS NULL) AS model_count`;

/** A page of a tenant's live providers, oldest first, after the position `after` (a cursor's sort key). */
export async function providerPage(db: Tx, tenantId: string, limit: number, after: TimeIdSortKey | null): Promise<Page<ProviderView>> {
  const rows: (ProviderRow & { sort_at: string })[] = await db.query(
    `SELECT p.*, ${MODEL_COUNT}, ${sortInstantOf('p.created_at')} AS sort_at
       FROM ${SCHEMA}.providers p
      WHERE p.tenant_id = $1 AND ${LIVE} AND ${afterSortKey('p.created_at', 'p.id', 2, 3)}
      ORDER BY p.created_at, p.id
      LIMIT $4`,
    [tenantId, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
  );
  return cutPage(rows, limit, toView, (row) => encodeCursor('providers', [row.sort_at, row.id]));
}

/** One live provider of the tenant; another tenant's is simply absent. */
export async function providerView(db: Tx, tenantId: string, id: string): Promise<Result<ProviderView>> {
  const rows: ProviderRow[] = await db.query(
    `SELECT p.*, ${MODEL_COUNT} FROM ${SCHEMA}.providers p WHERE p.tenant_id = $1 AND ${LIVE} AND p.id = $2`,
    [tenantId, id],
  );
  const row = rows[0];
  return row ? ok(toView(row)) : fail(providerNotFound(id));
}

export async function liveProviderExists(db: Tx, tenantId: string, id: string): Promise<boolean> {
  const rows: unknown[] = await db.query(
    `SELECT 1 FROM ${SCHEMA}.providers p WHERE p.id = $1 AND p.tenant_id = $2 AND ${LIVE}`,
    [id, tenantId],
  );
  return rows.length > 0;
}

/** Whether a live model of the provider has this name, as calls name it (the proxy also takes the upstream name). */
export async function providerHasModel(db: Tx, tenantId: string, providerId: string, name: string): Promise<boolean> {
  const rows: unknown[] = await db.query(
    `SELECT 1 FROM ${SCHEMA}.models m WHERE m.provider_id = $1 AND m.tenant_id = $2 AND m.deleted_at IS NULL AND (m.name = $3 OR m.upstream_model = $3) LIMIT 1`,
    [providerId, tenantId, name],
  );
  return rows.length > 0;
}

export async function providerNameTaken(db: Tx, tenantId: string, name: string, exceptId?: string): Promise<boolean> {
  const rows: unknown[] = await db.query(
    `SELECT 1 FROM ${SCHEMA}.providers p
      WHERE p.tenant_id = $1 AND lower(p.name) = lower($2) AND ${LIVE} AND ($3::text IS NULL OR p.id <> $3)`,
    [tenantId, name, exceptId ?? null],
  );
  return rows.length > 0;
}

/**
 * Locks a live provider's row until the transaction ends: FOR SHARE by whatever starts to depend on it
 * (agents, models, agent keys), FOR UPDATE by its deletion. Either order serialises the two, and a
 * statement that waited re-reads the row, so an agent can never be created for a provider deleted meanwhile.
 */
export async function lockLiveProvider(
  tx: Tx,
  tenantId: string,
  id: string,
  mode: 'share' | 'update',
): Promise<Result<void, AppError>> {
  const rows: unknown[] = await tx.query(
    `SELECT 1 FROM ${SCHEMA}.providers p WHERE p.id = $1 AND p.tenant_id = $2 AND ${LIVE} FOR ${mode === 'share' ? 'SHARE' : 'UPDATE'}`,
    [id, tenantId],
  );
  return rows.length > 0 ? ok(undefined) : fail(providerNotFound(id));
}

/** Agents count as dependents whether the provider is their own or one of their fallbacks. */
export async function providerDependents(db: Tx, providerId: string): Promise<ProviderDependents> {
  const agents: { id: string }[] = await db.query(
    `SELECT id FROM ${SCHEMA}.agents
      WHERE (provider_id = $1 OR fallbacks @> jsonb_build_array(jsonb_build_object('providerId', $1::text))) AND deleted_at IS NULL
      ORDER BY created_at, id`,
    [providerId],
  );
  const models: { id: string }[] = await db.query(
    `SELECT id FROM ${SCHEMA}.models WHERE provider_id = $1 AND deleted_at IS NULL ORDER BY created_at, id`,
    [providerId],
  );
  return { agents: agents.map((r) => r.id), models: models.map((r) => r.id) };
}

/**
 * The provider an agent start issues credentials for, as it is now; null when it is gone. The agent's own
 * model wins over the provider's default.
 */
export async function startProviderSnapshot(
  db: Tx,
  tenantId: string,
  providerId: string,
  agentModel: string | null,
): Promise<StartProviderSnapshot | null> {
  const rows: ProviderRow[] = await db.query(
    `SELECT p.*, 0 AS model_count FROM ${SCHEMA}.providers p WHERE p.id = $1 AND p.tenant_id = $2 AND ${LIVE}`,
    [providerId, tenantId],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    id: row.id,
    type: row.type,
    protocol: row.protocol,
    endpoint: row.endpoint,
    authMethod: row.auth_method,
    organizationId: row.organization_id,
    model: agentModel ?? row.default_model,
    secretId: row.secret_id,
  };
}

/** Live providers of a tenant that use a secret, oldest first: what a secret's deletion would break. */
export async function providersUsingSecret(db: Tx, tenantId: string, secretId: string): Promise<string[]> {
  const rows: { id: string }[] = await db.query(
    `SELECT p.id FROM ${SCHEMA}.providers p WHERE p.tenant_id = $1 AND p.secret_id = $2 AND ${LIVE} ORDER BY p.created_at, p.id`,
    [tenantId, secretId],
  );
  return rows.map((row) => row.id);
}
