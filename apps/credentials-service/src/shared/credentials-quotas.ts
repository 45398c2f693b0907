import type { QuotaLimits } from '@switchboard/contracts';
import { TenantQuotas, countedBy as counted } from '@switchboard/service-runtime';
import { SCHEMA } from '../read-models/credentials.migrations.js';

/** The quotas of credentials-service's kinds: live secrets, and recipients (which are never deleted). */
export function credentialsQuotas(limits: QuotaLimits): TenantQuotas {
  return new TenantQuotas(SCHEMA, limits, {
    secrets: counted(`SELECT count(*)::int AS n FROM ${SCHEMA}.secrets WHERE tenant_id = $1 AND deleted_at IS NULL`),
    recipients: counted(`SELECT count(*)::int AS n FROM ${SCHEMA}.recipients WHERE tenant_id = $1`),
  });
}
