import type { Migration } from '@switchboard/event-store';

/**
 * - `webhooks`: the tenant's registrations; `secret_id` names the signing secret credentials-service keeps
 *   (the value never enters this schema). Deleted ones keep their row (`deleted_at`) for the delivery log.
 * - `webhook_deliveries`: one row per (webhook, event), made by the intake consumer in the transaction before
 *   it acknowledges the event, so a redelivered event never adds a second delivery and none is lost by a
 *   restart. `body` is the event exactly as published (what is signed and sent). The worker claims due rows
 *   (`state = 'pending' AND next_attempt_at <= now()`) with FOR UPDATE SKIP LOCKED.
 * - `webhook_attempts`: the delivery log, one row per attempt.
 */
export const webhookMigrations = (schema: string): Migration[] => [
  {
    id: 'usage-service/020-webhooks',
    sql: [
      `CREATE TABLE ${schema}.webhooks (
         id text PRIMARY KEY,
         tenant_id text NOT NULL,
         url text NOT NULL,
         events text[] NOT NULL,
         secret_id text NOT NULL,
         created_at timestamptz NOT NULL,
         deleted_at timestamptz NULL
       )`,
      `CREATE INDEX webhooks_tenant_page_idx ON ${schema}.webhooks (tenant_id, created_at, id) WHERE deleted_at IS NULL`,
      `CREATE TABLE ${schema}.webhook_deliveries (
         webhook_id text NOT NULL,
         event_id text NOT NULL,
         tenant_id text NOT NULL,
         event_type text NOT NULL,
         body text NOT NULL,
         state text NOT NULL DEFAULT 'pending',
         attempts integer NOT NULL DEFAULT 0,
         first_attempt_at timestamptz NULL,
         next_attempt_at timestamptz NOT NULL,
         created_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (webhook_id, event_id)
       )`,
      `CREATE INDEX webhook_deliveries_due_idx ON ${schema}.webhook_deliveries (next_attempt_at) WHERE state = 'pending'`,
      `CREATE TABLE ${schema}.webhook_attempts (
         seq bigserial PRIMARY KEY,
         webhook_id text NOT NULL,
         event_id text NOT NULL,
         event_type text NOT NULL,
         attempt integer NOT NULL,
         status text NOT NULL,
         response_status integer NULL,
         error text NULL,
         at timestamptz NOT NULL,
         UNIQUE (webhook_id, event_id, attempt)
       )`,
      `CREATE INDEX webhook_attempts_log_idx ON ${schema}.webhook_attempts (webhook_id, seq)`,
    ],
  },
];
