import { appError, fail, ok, type Result, type TenantSettingsView } from '@switchboard/contracts';
import type { Tx } from '@switchboard/event-store';
import { SCHEMA } from '../read-models/read-models.migrations.js';

interface SettingsRow {
  unpriced_models: TenantSettingsView['unpricedModels'];
  server_history_tokens: number | null;
  server_tool_call_usd: number | null;
  version: number;
}

/** The tenant's settings and its aggregate's version (the ETag clients send back in If-Match). */
export async function tenantSettingsView(db: Tx, tenantId: string): Promise<Result<TenantSettingsView>> {
  const rows: SettingsRow[] = await db.query(`SELECT unpriced_models, server_history_tokens, server_tool_call_usd, version FROM ${SCHEMA}.tenants WHERE id = $1 AND deletion_started_at IS NULL`, [tenantId]);
  const row = rows[0];
  if (row === undefined) return fail(appError('tenant_not_found', `tenant ${tenantId} not found`));
  return ok({
    unpricedModels: row.unpriced_models,
    serverHistoryTokens: row.server_history_tokens,
    serverToolCallUsd: row.server_tool_call_usd,
    version: row.version,
  });
}
