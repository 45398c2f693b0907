import { appError, type AppError, type ModelView } from '@switchboard/contracts';
import type { Tx } from '@switchboard/event-store';
import { SCHEMA } from '../read-models/read-models.migrations.js';

interface ModelRow {
  id: string;
  provider_id: string;
  name: string;
  upstream_model: string;
  source: ModelView['source'];
  input_usd_per_mtok: number | null;
  output_usd_per_mtok: number | null;
  created_at: Date;
}

function toView(row: ModelRow): ModelView {
  const priced = row.input_usd_per_mtok !== null || row.output_usd_per_mtok !== null;
  return {
    id: row.id,
    providerId: row.provider_id,
    name: row.name,
    upstreamModel: row.upstream_model,
    source: row.source,
    price: priced ? { inputUsdPerMTok: row.input_usd_per_mtok, outputUsdPerMTok: row.output_usd_per_mtok } : null,
    createdAt: row.created_at.toISOString(),
  };
}

export const modelNotFound = (id: string): AppError => appError('model_not_found', `model ${id} not found`);

/** Live models of one provider, or the one model `id`; both scoped to the tenant. */
export async function modelViews(db: Tx, tenantId: string, filter: { providerId: string } | { id: string }): Promise<ModelView[]> {
  const byProvider = 'providerId' in filter;
  const rows: ModelRow[] = await db.query(
    `SELECT * FROM ${SCHEMA}.models
      WHERE tenant_id = $1 AND deleted_at IS NULL AND ${byProvider ? 'provider_id' : 'id'} = $2
      ORDER BY created_at, id`,
    [tenantId, byProvider ? filter.providerId : filter.id],
  );
  return rows.map(toView);
}

export async function modelNameTaken(db: Tx, providerId: string, name: string): Promise<boolean> {
  const rows: unknown[] = await db.query(
    `SELECT 1 FROM ${SCHEMA}.models WHERE provider_id = $1 AND name = $2 AND deleted_at IS NULL`,
    [providerId, name],
  );
  return rows.length > 0;
}

/** Names of a provider's live models, as stored (discovery compares them case-insensitively). */
export async function liveModelNames(db: Tx, tenantId: string, providerId: string): Promise<string[]> {
  const rows: { name: string }[] = await db.query(
    `SELECT name FROM ${SCHEMA}.models WHERE provider_id = $1 AND tenant_id = $2 AND deleted_at IS NULL`,
    [providerId, tenantId],
  );
  return rows.map((row) => row.name);
}
