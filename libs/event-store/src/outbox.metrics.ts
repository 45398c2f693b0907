import { processCounter, processGauge } from '@switchboard/telemetry';
import type { PgEventStore } from './pg-event-store.js';

interface OutboxSnapshot {
  readonly backlog: number;
  readonly oldestAgeSeconds: number;
}

/** Stores whose relay runs in this process, by schema: a scrape reads each one's unpublished rows. */
const watched = new Map<string, PgEventStore>();
/** One query per store and scrape, shared by both gauges (a scrape collects them one after the other). */
const SNAPSHOT_TTL_MS = 1_000;
let snapshot: { readonly at: number; readonly values: Promise<Map<string, OutboxSnapshot>> } | null = null;

async function readSnapshot(): Promise<Map<string, OutboxSnapshot>> {
  const values = new Map<string, OutboxSnapshot>();
  await Promise.all(
    [...watched].map(async ([schema, store]) => {
      try {
        // The partial index on unpublished rows keeps this cheap however large the outbox grows.
        const rows: Array<{ backlog: string; age: string | null }> = await store.dataSource.query(
          `SELECT count(*)::text AS backlog, extract(epoch FROM now() - min(created_at))::text AS age
             FROM ${store.table('outbox')} WHERE published_at IS NULL`,
        );
        const row = rows[0];
        values.set(schema, { backlog: Number(row?.backlog ?? 0), oldestAgeSeconds: Math.max(Number(row?.age ?? 0), 0) });
      } catch {
        // Database unreachable: this store's gauges are left out of the scrape rather than shown as an empty outbox.
      }
    }),
  );
  return values;
}

function current(): Promise<Map<string, OutboxSnapshot>> {
  const now = Date.now();
  if (snapshot === null || now - snapshot.at > SNAPSHOT_TTL_MS) snapshot = { at: now, values: readSnapshot() };
  return snapshot.values;
}

export const outboxBacklog = processGauge({
  name: 'switchboard_outbox_backlog_events',
  help: 'Outbox rows not yet published to JetStream, by event-store schema',
  labelNames: ['schema'],
  async collect() {
    this.reset();
    for (const [schema, values] of await current()) this.set({ schema }, values.backlog);
  },
});

export const outboxOldestAge = processGauge({
  name: 'switchboard_outbox_oldest_age_seconds',
  help: 'Age of the oldest unpublished outbox row (0 when none), by event-store schema',
  labelNames: ['schema'],
  async collect() {
    this.reset();
    for (const [schema, values] of await current()) this.set({ schema }, values.oldestAgeSeconds);
  },
});

export const outboxPublished = processCounter({
  name: 'switchboard_outbox_published_total',
  help: 'Outbox rows published to JetStream and marked, by event-store schema (duplicates JetStream dropped included)',
  labelNames: ['schema'],
});

/** While a relay runs, scrapes report its store's backlog. */
export function watchOutbox(store: PgEventStore): () => void {
  watched.set(store.schema, store);
  return () => {
    if (watched.get(store.schema) === store) watched.delete(store.schema);
  };
}
