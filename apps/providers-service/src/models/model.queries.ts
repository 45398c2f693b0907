import {
  appError,
  cutPage,
  encodeCursor,
  type AppError,
  type ModelPrice,
  type ModelView,
  type Page,
  type ProviderType,
  type TimeIdSortKey,
} from '@switchboard/contracts';
import { afterSortKey, sortInstantOf, type Tx } from '@switchboard/event-store';
import { resolveModelPrice } from '@switchboard/pricing';
import { SCHEMA } from '../read-models/read-models.migrations.js';

interface ModelRow {
  id: string;
  provider_id: string;
  name: string;
  upstream_model: string;
  source: ModelView['source'];
  input_usd_per_mtok: number | null;
  output_usd_per_mtok: number | null;
  cached_input_usd_per_mtok: number | null;
  created_at: Date;
  /** The provider's, which the catalogue lookup needs. */
  provider_type: ProviderType;
  provider_endpoint: string;
}

/** The figures the tenant set on a model, as stored (null: not set). */
export interface StoredPrices {
  readonly inputUsdPerMTok: number | null;
  readonly outputUsdPerMTok: number | null;
  readonly cachedInputUsdPerMTok: number | null;
}

/**
 * A model's price as views and routes show it: the tenant's figures over the bundled catalogue's, found by the
 * provider's type and endpoint. Resolved when read rather than stored, so a model keeps no stale copy of a figure
 * it never set.
 */
export function modelPrice(provider: { type: ProviderType; endpoint: string }, upstreamModel: string, prices: StoredPrices): ModelPrice | null {
  return resolveModelPrice({ providerType: provider.type, endpoint: provider.endpoint, upstreamModel, override: prices });
}

function toView(row: ModelRow): ModelView {
  const price = modelPrice({ type: row.provider_type, endpoint: row.provider_endpoint }, row.upstream_model, {
    inputUsdPerMTok: row.input_usd_per_mtok,
    outputUsdPerMTok: row.output_usd_per_mtok,
    cachedInputUsdPerMTok: row.cached_input_usd_per_mtok,
  });
  return {
    id: row.id,
    providerId: row.provider_id,
    name: row.name,
    upstreamModel: row.upstream_model,
    source: row.source,
    price,
    priceKnown: price !== null,
    createdAt: row.created_at.toISOString(),
  };
}

export const modelNotFound = (id: string): AppError => appError('model_not_found', `model ${id} not found`);

/** The one live model `id`, scoped to the tenant (empty when it is not the tenant's). */
export async function modelViews(db: Tx, tenantId: string, filter: { id: string }): Promise<ModelView[]> {
  const rows: ModelRow[] = await db.query(
    `SELECT m.*, p.type AS provider_type, p.endpoint AS provider_endpoint
       FROM ${SCHEMA}.models m
       JOIN ${SCHEMA}.providers p ON p.id = m.provider_id
      WHERE m.tenant_id = $1 AND m.deleted_at IS NULL AND m.id = $2`,
    [tenantId, filter.id],
  );
  return rows.map(toView);
}

/** A page of one provider's live models, oldest first, after the position `after` (a cursor's sort key). */
export async function modelPage(
  db: Tx,
  tenantId: string,
  providerId: string,
  limit: number,
  after: TimeIdSortKey | null,
): Promise<Page<ModelView>> {
  const rows: (ModelRow & { sort_at: string })[] = await db.query(
    `SELECT m.*, p.type AS provider_type, p.endpoint AS provider_endpoint, ${sortInstantOf('m.created_at')} AS sort_at
       FROM ${SCHEMA}.models m
       JOIN ${SCHEMA}.providers p ON p.id = m.provider_id
      WHERE m.tenant_id = $1 AND m.deleted_at IS NULL AND m.provider_id = $2 AND ${afterSortKey('m.created_at', 'm.id', 3, 4)}
      ORDER BY m.created_at, m.id
      LIMIT $5`,
    [tenantId, providerId, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
  );
  return cutPage(rows, limit, toView, (row) => encodeCursor('models', [row.sort_at, row.id]));
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
