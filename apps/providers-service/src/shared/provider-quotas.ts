import type { QuotaLimits } from '@switchboard/contracts';
import { TenantQuotas, countedBy as counted } from '@switchboard/service-runtime';
import { SCHEMA } from '../read-models/read-models.migrations.js';

/**
 * The quotas of providers-service's kinds, counted on the read models: live providers, models and agents, and the
 * keys the tenant made that still work (keys issued at agent starts expire by themselves and are not counted).
 */
export function providerQuotas(limits: QuotaLimits): TenantQuotas {
  return new TenantQuotas(SCHEMA, limits, {
    providers: counted(`SELECT count(*)::int AS n FROM ${SCHEMA}.providers WHERE tenant_id = $1 AND deleted_at IS NULL`),
    models: counted(`SELECT count(*)::int AS n FROM ${SCHEMA}.models WHERE tenant_id = $1 AND deleted_at IS NULL`),
    agents: counted(`SELECT count(*)::int AS n FROM ${SCHEMA}.agents WHERE tenant_id = $1 AND deleted_at IS NULL`),
    keys: counted(
      `SELECT count(*)::int AS n FROM ${SCHEMA}.access_keys
        WHERE tenant_id = $1 AND revoked_at IS NULL AND start_id IS NULL AND (expires_at IS NULL OR expires_at > now())`,
    ),
  });
}
