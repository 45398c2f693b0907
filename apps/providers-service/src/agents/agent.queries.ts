import {
  appError,
  cutPage,
  encodeCursor,
  fail,
  ok,
  type AgentFallback,
  type AgentView,
  type AppError,
  type Page,
  type Result,
  type TimeIdSortKey,
} from '@switchboard/contracts';
import { afterSortKey, sortInstantOf, type Tx } from '@switchboard/event-store';
import type { FallbackCheck } from '@switchboard/providers-domain';
import { SCHEMA } from '../read-models/read-models.migrations.js';

interface AgentRow {
  id: string;
  name: string;
  provider_id: string;
  model: string | null;
  delivery: AgentView['delivery'];
  monthly_budget_usd: number | null;
  fallbacks: AgentView['fallbacks'];
  version: number;
  created_at: Date;
  updated_at: Date;
}

function toView(row: AgentRow): AgentView {
  return {
    id: row.id,
    name: row.name,
    providerId: row.provider_id,
    model: row.model,
    delivery: row.delivery,
    monthlyBudgetUsd: row.monthly_budget_usd,
    fallbacks: row.fallbacks,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export const agentNotFound = (id: string): AppError => appError('agent_not_found', `agent ${id} not found`);
export const agentNameTakenError = (name: string): AppError =>
  appError('agent_name_taken', `an agent named ${name} already exists in the tenant`);

/** A page of a tenant's live agents, oldest first, after the position `after` (a cursor's sort key). */
export async function agentPage(db: Tx, tenantId: string, limit: number, after: TimeIdSortKey | null): Promise<Page<AgentView>> {
  const rows: (AgentRow & { sort_at: string })[] = await db.query(
    `SELECT *, ${sortInstantOf('created_at')} AS sort_at FROM ${SCHEMA}.agents
      WHERE tenant_id = $1 AND deleted_at IS NULL AND ${afterSortKey('created_at', 'id', 2, 3)}
      ORDER BY created_at, id
      LIMIT $4`,
    [tenantId, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
  );
  return cutPage(rows, limit, toView, (row) => encodeCursor('agents', [row.sort_at, row.id]));
}

/** One live agent of the tenant; another tenant's is simply absent. */
export async function agentView(db: Tx, tenantId: string, id: string): Promise<Result<AgentView>> {
  const rows: AgentRow[] = await db.query(`SELECT * FROM ${SCHEMA}.agents WHERE tenant_id = $1 AND deleted_at IS NULL AND id = $2`, [tenantId, id]);
  const row = rows[0];
  return row ? ok(toView(row)) : fail(agentNotFound(id));
}

/**
 * What each requested fallback is in the tenant: its provider live, and the model one of that provider's live models
 * by name or upstream name (the rule the proxy resolves a requested model by). In the fallbacks' order.
 */
export async function checkFallbacks(db: Tx, tenantId: string, fallbacks: readonly AgentFallback[]): Promise<FallbackCheck[]> {
  if (fallbacks.length === 0) return [];
  const rows: { i: number; provider: boolean; model: boolean }[] = await db.query(
    `SELECT f.i::int AS i,
            EXISTS (SELECT 1 FROM ${SCHEMA}.providers p WHERE p.id = f.provider_id AND p.tenant_id = $1 AND p.deleted_at IS NULL) AS provider,
            EXISTS (SELECT 1 FROM ${SCHEMA}.models m
                     WHERE m.provider_id = f.provider_id AND m.tenant_id = $1 AND m.deleted_at IS NULL
                       AND (m.name = f.model OR m.upstream_model = f.model)) AS model
       FROM ROWS FROM (jsonb_to_recordset($2::jsonb) AS (provider_id text, model text)) WITH ORDINALITY AS f(provider_id, model, i)
      ORDER BY f.i`,
    [tenantId, JSON.stringify(fallbacks.map((f) => ({ provider_id: f.providerId, model: f.model })))],
  );
  return rows.map((r) => (!r.provider ? 'provider_not_found' : !r.model ? 'model_not_found' : 'ok'));
}

export async function agentNameTaken(db: Tx, tenantId: string, name: string, exceptId?: string): Promise<boolean> {
  const rows: unknown[] = await db.query(
    `SELECT 1 FROM ${SCHEMA}.agents
      WHERE tenant_id = $1 AND lower(name) = lower($2) AND deleted_at IS NULL AND ($3::text IS NULL OR id <> $3)`,
    [tenantId, name, exceptId ?? null],
  );
  return rows.length > 0;
}

/**
 * The live agent as a start records it, its row locked FOR SHARE until the transaction ends: updates and
 * deletions (through the projection's UPDATE) and stops (FOR UPDATE) wait for the start to commit, and a
 * start waits for them and then reads the row they left. Null when the agent is gone or another tenant's.
 */
export async function lockAgentForStart(
  tx: Tx,
  tenantId: string,
  id: string,
): Promise<{ providerId: string; model: string | null; delivery: AgentView['delivery'] } | null> {
  const rows: Pick<AgentRow, 'provider_id' | 'model' | 'delivery'>[] = await tx.query(
    `SELECT provider_id, model, delivery FROM ${SCHEMA}.agents
      WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL FOR SHARE`,
    [id, tenantId],
  );
  const row = rows[0];
  return row ? { providerId: row.provider_id, model: row.model, delivery: row.delivery } : null;
}

/**
 * Whether a live agent exists; with a lock, also holds its row until the transaction ends: FOR SHARE by
 * whatever issues a key for the agent (and its starts, see lockAgentForStart), FOR UPDATE by its stop (and, through the projection's UPDATE, its
 * deletion). Either order serialises the two, so no key is issued for an agent stopped or deleted meanwhile.
 */
export async function liveAgentExists(db: Tx, tenantId: string, id: string, lock: 'share' | 'update' | false = false): Promise<boolean> {
  const clause = lock === 'share' ? ' FOR SHARE' : lock === 'update' ? ' FOR UPDATE' : '';
  const rows: unknown[] = await db.query(
    `SELECT 1 FROM ${SCHEMA}.agents WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL${clause}`,
    [id, tenantId],
  );
  return rows.length > 0;
}

/** Whether a start of this agent was recorded and has not been stopped since. */
export async function startIsRunning(db: Tx, tenantId: string, agentId: string, startId: string): Promise<boolean> {
  const rows: unknown[] = await db.query(
    `SELECT 1 FROM ${SCHEMA}.agent_starts WHERE id = $1 AND agent_id = $2 AND tenant_id = $3 AND stopped_at IS NULL`,
    [startId, agentId, tenantId],
  );
  return rows.length > 0;
}
