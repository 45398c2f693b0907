import type { QuotaLimits } from '@switchboard/contracts';
import type { Tx } from '@switchboard/event-store';
import { TenantQuotas, type QuotaCounter } from '@switchboard/service-runtime';
import { SCHEMA } from '../read-models/credentials.migrations.js';

const counted =
  (sql: string): QuotaCounter =>
  async (db: Tx, tenantId: string) => {
    const rows: { n: number }[] = await db.query(sql, [tenantId]);
    return rows[0]?.n ?? 0;
  };

/** The quotas of credentials-service's kinds: live secrets, and recipients (which are never deleted). */
export function credentialsQuotas(limits: QuotaLimits): TenantQuotas {
  return new TenantQuotas(SCHEMA, limits, {
    secrets: counted(`SELECT count(*)::int AS n FROM ${SCHEMA}.secrets WHERE tenant_id = $1 AND deleted_at IS NULL`),
    recipients: counted(`SELECT count(*)::int AS n FROM ${SCHEMA}.recipients WHERE tenant_id = $1`),
  });
}
