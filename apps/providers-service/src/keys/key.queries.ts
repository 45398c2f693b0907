import { appError, cutPage, encodeCursor, type AppError, type KeyView, type Page, type Principal, type TimeIdSortKey } from '@switchboard/contracts';
import { afterSortKey, sortInstantOf, type Tx } from '@switchboard/event-store';
import { SCHEMA } from '../read-models/read-models.migrations.js';

interface KeyRow {
  id: string;
  name: string;
  role: KeyView['role'];
  agent_id: string | null;
  created_at: Date;
  last_used_at: Date | null;
}

export const keyNotFound = (id: string): AppError => appError('key_not_found', `key ${id} not found`);

/** A key past its expiry is as dead as a revoked one (the database clock decides, the same for every replica). */
const UNEXPIRED = `(expires_at IS NULL OR expires_at > now())`;

/**
 * A page of the keys that still work, oldest first, after the position `after` (a cursor's sort key); revoked and
 * expired keys are history, found in the event store.
 */
export async function activeKeyPage(db: Tx, tenantId: string, limit: number, after: TimeIdSortKey | null): Promise<Page<KeyView>> {
  const rows: (KeyRow & { sort_at: string })[] = await db.query(
    `SELECT id, name, role, agent_id, created_at, last_used_at, ${sortInstantOf('created_at')} AS sort_at FROM ${SCHEMA}.access_keys
      WHERE tenant_id = $1 AND revoked_at IS NULL AND ${UNEXPIRED} AND ${afterSortKey('created_at', 'id', 2, 3)}
      ORDER BY created_at, id
      LIMIT $4`,
    [tenantId, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
  );
  const view = (row: KeyRow): KeyView => ({
    id: row.id,
    name: row.name,
    role: row.role,
    agentId: row.agent_id,
    createdAt: row.created_at.toISOString(),
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
  });
  return cutPage(rows, limit, view, (row) => encodeCursor('keys', [row.sort_at, row.id]));
}

export async function activeKeyExists(db: Tx, tenantId: string, id: string): Promise<boolean> {
  const rows: unknown[] = await db.query(
    `SELECT 1 FROM ${SCHEMA}.access_keys WHERE id = $1 AND tenant_id = $2 AND revoked_at IS NULL`,
    [id, tenantId],
  );
  return rows.length > 0;
}

/**
 * The agent's keys issued at its starts that are not revoked yet (expired ones too: revoking them costs
 * nothing and leaves no key of a stopped run behind), oldest first.
 */
export async function startKeyIds(db: Tx, tenantId: string, agentId: string): Promise<string[]> {
  const rows: { id: string }[] = await db.query(
    `SELECT id FROM ${SCHEMA}.access_keys
      WHERE tenant_id = $1 AND agent_id = $2 AND start_id IS NOT NULL AND revoked_at IS NULL
      ORDER BY created_at, id`,
    [tenantId, agentId],
  );
  return rows.map((row) => row.id);
}

export const OPERATOR_PRINCIPAL: Principal = { keyId: 'operator', tenantId: null, role: 'operator', agentId: null };

export async function isOperatorKey(db: Tx, keyHash: string): Promise<boolean> {
  const rows: unknown[] = await db.query(`SELECT 1 FROM ${SCHEMA}.operator_key WHERE key_hash = $1`, [keyHash]);
  return rows.length > 0;
}

interface PrincipalRow {
  id: string;
  tenant_id: string;
  role: 'admin' | 'member' | 'agent';
  agent_id: string | null;
  stale: boolean;
}

/**
 * The principal behind a live tenant key, and whether its last use is worth recording. An agent key
 * stops working with its agent, and a key issued at a start also at its expiry.
 */
export async function tenantPrincipal(db: Tx, keyHash: string): Promise<{ principal: Principal; stale: boolean } | null> {
  const rows: PrincipalRow[] = await db.query(
    `SELECT k.id, k.tenant_id, k.role, k.agent_id,
            (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute') AS stale
       FROM ${SCHEMA}.access_keys k
       LEFT JOIN ${SCHEMA}.agents a ON a.id = k.agent_id AND a.deleted_at IS NULL
       -- A tenant whose deletion started has no working key, whatever a key's own row says.
       JOIN ${SCHEMA}.tenants t ON t.id = k.tenant_id AND t.deletion_started_at IS NULL
      WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND (k.role <> 'agent' OR a.id IS NOT NULL)
        AND (k.expires_at IS NULL OR k.expires_at > now())`,
    [keyHash],
  );
  const row = rows[0];
  if (!row) return null;
  return { principal: { keyId: row.id, tenantId: row.tenant_id, role: row.role, agentId: row.agent_id }, stale: row.stale };
}

/**
 * Records a key's use at most once a minute: resolving is on every request's path, and a write per
 * request would turn authentication into write load on one hot row.
 */
export async function touchKey(db: Tx, keyId: string): Promise<void> {
  await db.query(
    `UPDATE ${SCHEMA}.access_keys SET last_used_at = now()
      WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
    [keyId],
  );
}
