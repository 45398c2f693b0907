import { cutPage, encodeCursor, type Page, type RecipientView, type TimeIdSortKey } from '@switchboard/contracts';
import { afterSortKey, sortInstantOf, type Tx } from '@switchboard/event-store';
import { SCHEMA } from '../read-models/credentials.migrations.js';

interface RecipientRow {
  id: string;
  name: string;
  public_key: string;
  created_at: Date;
}

const toView = (row: RecipientRow): RecipientView => ({ id: row.id, name: row.name, publicKey: row.public_key, createdAt: row.created_at.toISOString() });

/** The tenant's recipient `id` (empty when it is another tenant's or unknown). */
export async function recipientViews(db: Tx, tenantId: string, id: string): Promise<RecipientView[]> {
  const rows: RecipientRow[] = await db.query(`SELECT id, name, public_key, created_at FROM ${SCHEMA}.recipients WHERE tenant_id = $1 AND id = $2`, [
    tenantId,
    id,
  ]);
  return rows.map(toView);
}

/** A page of the tenant's recipients, oldest first, after the position `after` (a cursor's sort key). */
export async function recipientPage(db: Tx, tenantId: string, limit: number, after: TimeIdSortKey | null): Promise<Page<RecipientView>> {
  const rows: (RecipientRow & { sort_at: string })[] = await db.query(
    `SELECT id, name, public_key, created_at, ${sortInstantOf('created_at')} AS sort_at FROM ${SCHEMA}.recipients
      WHERE tenant_id = $1 AND ${afterSortKey('created_at', 'id', 2, 3)}
      ORDER BY created_at, id
      LIMIT $4`,
    [tenantId, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
  );
  return cutPage(rows, limit, toView, (row) => encodeCursor('recipients', [row.sort_at, row.id]));
}
