import type { EntityManager } from 'typeorm';
import { afterSortKey, sortInstantOf } from '@switchboard/event-store';
import {
  appError,
  cutPage,
  encodeCursor,
  type Page,
  type TimeIdSortKey,
  type WebhookDeliveryView,
  type WebhookEventType,
  type WebhookView,
} from '@switchboard/contracts';
import { SCHEMA } from '../projection/usage.migrations.js';

type Sql = Pick<EntityManager, 'query'>;

/** TypeORM answers an UPDATE … RETURNING as [rows, rowCount] (INSERT and SELECT as the rows): the rows either way. */
export function returnedRows<T>(result: unknown): T[] {
  return (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number' ? result[0] : result) as T[];
}

export interface WebhookRecord {
  id: string;
  tenant_id: string;
  url: string;
  events: WebhookEventType[];
  secret_id: string;
  created_at: Date;
}

/** A webhook of the tenant that is not there, or not the tenant's. */
export const webhookNotFound = (id: string) => appError('webhook_not_found', `webhook ${id} not found`);

export const webhookView = (row: WebhookRecord): WebhookView => ({ id: row.id, url: row.url, events: row.events, createdAt: row.created_at.toISOString() });

export async function insertWebhook(sql: Sql, row: Omit<WebhookRecord, 'created_at'> & { created_at: Date }): Promise<void> {
  await sql.query(
    `INSERT INTO ${SCHEMA}.webhooks (id, tenant_id, url, events, secret_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
    [row.id, row.tenant_id, row.url, row.events, row.secret_id, row.created_at],
  );
}

/** A live webhook of the tenant, or null (unknown, another tenant's, deleted). */
export async function liveWebhook(sql: Sql, tenantId: string, id: string): Promise<WebhookRecord | null> {
  const rows: WebhookRecord[] = await sql.query(
    `SELECT id, tenant_id, url, events, secret_id, created_at FROM ${SCHEMA}.webhooks WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL`,
    [tenantId, id],
  );
  return rows[0] ?? null;
}

/** The tenant's webhooks oldest first, keyset-paged on (created_at, id). */
export async function listWebhooks(sql: Sql, tenantId: string, limit: number, after: TimeIdSortKey | null): Promise<Page<WebhookView>> {
  const rows: (WebhookRecord & { sort_at: string })[] = await sql.query(
    `SELECT id, tenant_id, url, events, secret_id, created_at, ${sortInstantOf('created_at')} AS sort_at FROM ${SCHEMA}.webhooks
      WHERE tenant_id = $1 AND deleted_at IS NULL AND ${afterSortKey('created_at', 'id', 2, 3)}
      ORDER BY created_at, id LIMIT $4`,
    [tenantId, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
  );
  return cutPage(rows, limit, webhookView, (row) => encodeCursor('webhooks', [row.sort_at, row.id]));
}

/** Marks the webhook deleted and cancels what it still had to deliver; false when it was not live. */
export async function deleteWebhook(sql: Sql, tenantId: string, id: string, at: Date): Promise<boolean> {
  const rows = returnedRows<{ id: string }>(
    await sql.query(`UPDATE ${SCHEMA}.webhooks SET deleted_at = $3 WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING id`, [
      tenantId,
      id,
      at,
    ]),
  );
  if (rows.length === 0) return false;
  await sql.query(`UPDATE ${SCHEMA}.webhook_deliveries SET state = 'cancelled' WHERE webhook_id = $1 AND state = 'pending'`, [id]);
  return true;
}

interface AttemptRecord {
  seq: string;
  event_id: string;
  event_type: string;
  attempt: number;
  status: WebhookDeliveryView['status'];
  response_status: number | null;
  error: string | null;
  at: Date;
}

/** The webhook's delivery log, newest first, keyset-paged on the attempt's sequence number. */
export async function listAttempts(sql: Sql, webhookId: string, limit: number, before: readonly [number] | null): Promise<Page<WebhookDeliveryView>> {
  const rows: AttemptRecord[] = await sql.query(
    `SELECT seq, event_id, event_type, attempt, status, response_status, error, at FROM ${SCHEMA}.webhook_attempts
      WHERE webhook_id = $1 AND ($2::bigint IS NULL OR seq < $2::bigint)
      ORDER BY seq DESC LIMIT $3`,
    [webhookId, before?.[0] ?? null, limit + 1],
  );
  const view = (row: AttemptRecord): WebhookDeliveryView => ({
    eventId: row.event_id,
    eventType: row.event_type,
    attempt: row.attempt,
    status: row.status,
    responseStatus: row.response_status,
    error: row.error,
    at: row.at.toISOString(),
  });
  return cutPage(rows, limit, view, (row) => encodeCursor('webhook-deliveries', [Number(row.seq)]));
}
