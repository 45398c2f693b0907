import type { RecipientView } from '@switchboard/contracts';
import type { Tx } from '@switchboard/event-store';
import { SCHEMA } from '../read-models/credentials.migrations.js';

interface RecipientRow {
  id: string;
  name: string;
  public_key: string;
  created_at: Date;
}

const toView = (row: RecipientRow): RecipientView => ({ id: row.id, name: row.name, publicKey: row.public_key, createdAt: row.created_at.toISOString() });

/** Recipients of a tenant, oldest first; one when `id` is given. Another tenant's recipient is simply absent. */
export async function recipientViews(db: Tx, tenantId: string, id?: string): Promise<RecipientView[]> {
  const rows: RecipientRow[] = await db.query(
    `SELECT id, name, public_key, created_at FROM ${SCHEMA}.recipients
      WHERE tenant_id = $1 AND ($2::text IS NULL OR id = $2) ORDER BY created_at, id`,
    [tenantId, id ?? null],
  );
  return rows.map(toView);
}
