import {
  cutPage,
  encodeCursor,
  fail,
  ok,
  type Page,
  type Result,
  type SecretKind,
  type SecretView,
  type TimeIdSortKey,
} from '@switchboard/contracts';
import { secretNotFound } from '@switchboard/credentials-domain';
import { afterSortKey, sortInstantOf, type Tx } from '@switchboard/event-store';
import { SCHEMA } from '../read-models/credentials.migrations.js';

interface SecretRow {
  id: string;
  name: string;
  kind: SecretKind;
  version: number;
  fingerprint: string;
  hint: string;
  created_at: Date;
  updated_at: Date;
}

function toView(row: SecretRow): SecretView {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    version: row.version,
    fingerprint: row.fingerprint,
    hint: row.hint,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

const COLUMNS = 'id, name, kind, version, fingerprint, hint, created_at, updated_at';

/**
 * The tenant's live secrets among `ids`, oldest first. Another tenant's secret and a deleted one are simply
 * absent, so a caller cannot tell them from ids that never existed.
 */
export async function secretViews(db: Tx, tenantId: string, ids: readonly string[]): Promise<SecretView[]> {
  const rows: SecretRow[] = await db.query(
    `SELECT ${COLUMNS} FROM ${SCHEMA}.secrets
      WHERE tenant_id = $1 AND deleted_at IS NULL AND id = ANY($2::text[])
      ORDER BY created_at, id`,
    [tenantId, [...ids]],
  );
  return rows.map(toView);
}

/** A page of the tenant's live secrets, oldest first, after the position `after` (a cursor's sort key). */
export async function secretPage(db: Tx, tenantId: string, limit: number, after: TimeIdSortKey | null): Promise<Page<SecretView>> {
  const rows: (SecretRow & { sort_at: string })[] = await db.query(
    `SELECT ${COLUMNS}, ${sortInstantOf('created_at')} AS sort_at FROM ${SCHEMA}.secrets
      WHERE tenant_id = $1 AND deleted_at IS NULL AND ${afterSortKey('created_at', 'id', 2, 3)}
      ORDER BY created_at, id
      LIMIT $4`,
    [tenantId, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
  );
  return cutPage(rows, limit, toView, (row) => encodeCursor('secrets', [row.sort_at, row.id]));
}

export async function secretView(db: Tx, tenantId: string, id: string): Promise<Result<SecretView>> {
  const [view] = await secretViews(db, tenantId, [id]);
  return view ? ok(view) : fail(secretNotFound(id));
}

/** Kind and current value version of a live secret of the tenant, or null. */
export async function liveSecret(db: Tx, tenantId: string, id: string): Promise<{ kind: SecretKind; version: number } | null> {
  const rows: { kind: SecretKind; version: number }[] = await db.query(
    `SELECT kind, version FROM ${SCHEMA}.secrets WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL`,
    [id, tenantId],
  );
  return rows[0] ?? null;
}
