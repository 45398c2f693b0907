import { appendBatchFunctionSql } from './append-batch.sql.js';
import { schemaIdentifier, type Migration } from './migrations.js';

/** Tables of the event store inside a service's schema. Ids are prefixed so a service's own migrations can share the table. */
export function eventStoreMigrations(schema: string): Migration[] {
  const q = schemaIdentifier(schema);
  return [
    {
      id: 'event-store/001-events-outbox-checkpoints',
      sql: [
        `CREATE TABLE ${q}.events (
           position bigserial PRIMARY KEY,
           transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
           event_id text NOT NULL,
           stream_id text NOT NULL,
           version integer NOT NULL CHECK (version > 0),
           type text NOT NULL,
           tenant_id text NOT NULL,
           data jsonb NOT NULL,
           metadata jsonb NOT NULL DEFAULT '{}',
           recorded_at timestamptz NOT NULL,
           CONSTRAINT events_event_id_key UNIQUE (event_id),
           CONSTRAINT events_stream_version_key UNIQUE (stream_id, version)
         )`,
        `CREATE INDEX events_global_order_idx ON ${q}.events (transaction_id, position)`,
        `CREATE TABLE ${q}.outbox (
           position bigserial PRIMARY KEY,
           event_id text NOT NULL,
           subject text NOT NULL,
           payload text NOT NULL,
           headers jsonb NOT NULL DEFAULT '{}',
           created_at timestamptz NOT NULL DEFAULT now(),
           published_at timestamptz NULL,
           CONSTRAINT outbox_event_id_key UNIQUE (event_id)
         )`,
        `CREATE INDEX outbox_unpublished_idx ON ${q}.outbox (position) WHERE published_at IS NULL`,
        `CREATE TABLE ${q}.projection_checkpoints (
           name text PRIMARY KEY,
           transaction_id xid8 NOT NULL DEFAULT '0',
           position bigint NOT NULL DEFAULT 0,
           updated_at timestamptz NOT NULL DEFAULT now()
         )`,
      ],
    },
    {
      // Group commit: one statement per batch of appends (see append-batch.sql.ts).
      id: 'event-store/002-append-batch-function',
      sql: [appendBatchFunctionSql(q)],
    },
  ];
}
