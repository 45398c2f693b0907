import type { EntityManager } from 'typeorm';
import { afterSortKey, sortInstantOf } from '@switchboard/event-store';
import {
  cutPage,
  DEFAULT_ALERT_SETTINGS,
  encodeCursor,
  type Page,
  type TimeIdSortKey,
  type AlertKind,
  type AlertSettings,
  type AlertSettingsView,
  type AlertView,
  type PutAlertSettingsBody,
} from '@switchboard/contracts';
import { SCHEMA } from '../projection/usage.migrations.js';

type Sql = Pick<EntityManager, 'query'>;

interface AlertRecord {
  alert_id: string;
  kind: AlertKind;
  subject: string;
  at: Date;
  detail: Record<string, unknown>;
}

export interface AlertFilter {
  readonly since?: string;
  readonly kind?: AlertKind;
}

/**
 * A page of the tenant's alerts, newest first (ties broken by id), after the position `after` (a cursor's sort
 * key): an alert raised while a client pages lands before its first page, never inside the ones to come.
 */
export async function listAlerts(sql: Sql, tenantId: string, filter: AlertFilter, limit: number, after: TimeIdSortKey | null): Promise<Page<AlertView>> {
  const rows: (AlertRecord & { sort_at: string })[] = await sql.query(
    `SELECT alert_id, kind, subject, at, detail, ${sortInstantOf('at')} AS sort_at FROM ${SCHEMA}.alerts
      WHERE tenant_id = $1 AND ($2::timestamptz IS NULL OR at >= $2::timestamptz) AND ($3::text IS NULL OR kind = $3)
        AND ${afterSortKey('at', 'alert_id', 4, 5, 'desc')}
      ORDER BY at DESC, alert_id DESC
      LIMIT $6`,
    [tenantId, filter.since ?? null, filter.kind ?? null, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
  );
  const view = (row: AlertRecord): AlertView => ({ id: row.alert_id, kind: row.kind, subject: row.subject, at: row.at.toISOString(), detail: row.detail });
  return cutPage(rows, limit, view, (row) => encodeCursor('alerts', [row.sort_at, row.alert_id]));
}

interface SettingsRecord {
  tenant_id: string;
  error_rate_pct: number;
  min_requests: number;
  p95_latency_ms: number;
  spike_factor: number;
  window_minutes: number;
  baseline_windows: number;
  version: number;
}

/** Settings columns ↔ fields, in one place (the column names are fixed strings, never input). */
const COLUMNS: readonly (readonly [keyof AlertSettings, keyof SettingsRecord, 'float8' | 'int'])[] = [
  ['errorRatePct', 'error_rate_pct', 'float8'],
  ['minRequests', 'min_requests', 'int'],
  ['p95LatencyMs', 'p95_latency_ms', 'float8'],
  ['spikeFactor', 'spike_factor', 'float8'],
  ['windowMinutes', 'window_minutes', 'int'],
  ['baselineWindows', 'baseline_windows', 'int'],
];
const SELECT_SETTINGS = `tenant_id, ${COLUMNS.map(([, column]) => column).join(', ')}, version`;

function toSettings(row: SettingsRecord | undefined): AlertSettingsView {
  if (!row) return { ...DEFAULT_ALERT_SETTINGS, version: 0 };
  const settings = Object.fromEntries(COLUMNS.map(([field, column]) => [field, Number(row[column])])) as unknown as AlertSettings;
  return { ...settings, version: row.version };
}

/** The tenant's settings; the defaults at version 0 until it changes any. */
export async function getAlertSettings(sql: Sql, tenantId: string): Promise<AlertSettingsView> {
  const [row]: SettingsRecord[] = await sql.query(`SELECT ${SELECT_SETTINGS} FROM ${SCHEMA}.alert_settings WHERE tenant_id = $1`, [tenantId]);
  return toSettings(row);
}

/** Every tenant that changed its settings, by tenant id (the evaluator reads them once per pass). */
export async function allAlertSettings(sql: Sql): Promise<Map<string, AlertSettings>> {
  const rows: SettingsRecord[] = await sql.query(`SELECT ${SELECT_SETTINGS} FROM ${SCHEMA}.alert_settings`);
  return new Map(rows.map((row) => [row.tenant_id, toSettings(row)]));
}

/**
 * Applies the changed fields over the current settings (the defaults for a first change), in one statement:
 * concurrent changes serialise on the row. With `expectedVersion`, nothing is written unless the settings
 * are still at that version (0: never changed); otherwise null is returned.
 */
export async function putAlertSettings(
  sql: Sql,
  tenantId: string,
  changes: PutAlertSettingsBody,
  expectedVersion: number | undefined,
  at: Date,
): Promise<AlertSettingsView | null> {
  const params: unknown[] = [tenantId, at, expectedVersion ?? null];
  const values: string[] = [];
  const updates: string[] = [];
  for (const [field, column, type] of COLUMNS) {
    params.push(changes[field] ?? null, DEFAULT_ALERT_SETTINGS[field]);
    const changed = `$${params.length - 1}::${type}`;
    values.push(`coalesce(${changed}, $${params.length}::${type})`);
    updates.push(`${column} = coalesce(${changed}, alert_settings.${column})`);
  }
  const rows: SettingsRecord[] = await sql.query(
    `INSERT INTO ${SCHEMA}.alert_settings (tenant_id, ${COLUMNS.map(([, column]) => column).join(', ')}, version, updated_at)
     SELECT $1::text, ${values.join(', ')}, 1, $2::timestamptz
      WHERE $3::int IS NULL OR $3::int = 0 OR EXISTS (SELECT 1 FROM ${SCHEMA}.alert_settings WHERE tenant_id = $1)
     ON CONFLICT (tenant_id) DO UPDATE SET ${updates.join(', ')}, version = alert_settings.version + 1, updated_at = $2
       WHERE $3::int IS NULL OR alert_settings.version = $3::int
     RETURNING ${SELECT_SETTINGS}`,
    params,
  );
  return rows[0] ? toSettings(rows[0]) : null;
}
