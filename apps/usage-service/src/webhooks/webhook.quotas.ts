import type { QuotaLimits } from '@switchboard/contracts';
import { TenantQuotas, countedBy } from '@switchboard/service-runtime';
import { SCHEMA } from '../projection/usage.migrations.js';

/** usage-service's quota kinds: live webhooks. */
export function usageQuotas(limits: QuotaLimits): TenantQuotas {
  return new TenantQuotas(SCHEMA, limits, {
    webhooks: countedBy(`SELECT count(*)::int AS n FROM ${SCHEMA}.webhooks WHERE tenant_id = $1 AND deleted_at IS NULL`),
  });
}
