import { newId, type AlertKind } from '@switchboard/contracts';
import type { PgEventStore, Tx } from '@switchboard/event-store';
import { SCHEMA } from '../projection/usage.migrations.js';

export interface NewAlert {
  readonly tenantId: string;
  readonly kind: AlertKind;
  /** What it is about: `provider:<id>`, `agent:<id>`, `model:<providerId>/<model>`. */
  readonly subject: string;
  /** The figures that raised it (JSON; never a secret value). */
  readonly detail: Readonly<Record<string, unknown>>;
  /**
   * One alert per key and tenant, ever: a second call with the same key does nothing. Make it say what must
   * not repeat, e.g. `error_rate|provider:prv_x|2025-01-31T10:00:00.000Z` (once per window) or
   * `budget_threshold|provider:prv_x|2025-01|80` (once per month and threshold).
   */
  readonly dedupeKey: string;
  /** When it was raised (the caller's clock); now by default. */
  readonly at?: Date;
}

/** Each alert is a stream of its own holding its one event, so raising alerts never contends on a stream. */
export const alertStreamId = (alertId: string) => `alert-${alertId}`;

/**
 * Records an alert unless its dedupe key was already used in the tenant, and appends its `AlertRaised` event
 * in the same transaction: the outbox relay then publishes `events.<tenantId>.alert.raised` exactly once,
 * and only if the alert row commits. Safe with concurrent callers (replicas): of two inserts with one key the
 * second waits for the first and then does nothing. Pass the manager of a running transaction to make the
 * alert part of other writes; anything else gets a transaction of its own. Returns whether it was new.
 */
export async function recordAlert(tx: Tx, store: PgEventStore, alert: NewAlert): Promise<boolean> {
  if (!tx.queryRunner?.isTransactionActive) return tx.transaction((inner) => recordAlert(inner, store, alert));
  const alertId = newId('alert');
  const at = alert.at ?? new Date();
  const inserted: unknown[] = await tx.query(
    `INSERT INTO ${SCHEMA}.alerts (alert_id, tenant_id, kind, subject, detail, dedupe_key, at)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)
     ON CONFLICT (tenant_id, dedupe_key) DO NOTHING
     RETURNING 1`,
    [alertId, alert.tenantId, alert.kind, alert.subject, JSON.stringify(alert.detail), alert.dedupeKey, at],
  );
  if (inserted.length === 0) return false;
  const appended = await store.append(tx, {
    streamId: alertStreamId(alertId),
    expectedVersion: 0,
    tenantId: alert.tenantId,
    events: [{ eventId: newId('event'), type: 'AlertRaised', data: { alertId, kind: alert.kind, subject: alert.subject, detail: alert.detail } }],
    metadata: {},
    at,
  });
  // A fresh id names a stream nobody has written to; a conflict means something is badly wrong.
  if (!appended.ok) throw new Error(appended.error.message);
  return true;
}

/** True when the tenant already has an alert with this key: lets a hot path skip the write. */
export async function alertExists(sql: Pick<Tx, 'query'>, tenantId: string, dedupeKey: string): Promise<boolean> {
  const rows: unknown[] = await sql.query(`SELECT 1 FROM ${SCHEMA}.alerts WHERE tenant_id = $1 AND dedupe_key = $2`, [tenantId, dedupeKey]);
  return rows.length > 0;
}
