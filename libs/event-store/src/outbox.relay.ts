import type { JetStreamClient } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import pg from 'pg';
import { pgClientConfig } from './data-source.js';
import type { EventStoreLogger } from './event-store.types.js';
import { BackgroundLoop, errorMessage } from './background.loop.js';
import type { PgEventStore } from './pg-event-store.js';
import { outboxPublished, watchOutbox } from './outbox.metrics.js';
import { withDbSpan } from './postgres.span.js';
import { withProducerSpan } from '@switchboard/telemetry';

export interface OutboxRelayOptions {
  batchSize?: number;
  /** Poll interval; a fallback, since appends NOTIFY the relay on commit. */
  pollMs?: number;
  logger?: EventStoreLogger;
  /** LISTEN for append notifications on a dedicated connection (default true). */
  listen?: boolean;
  publishTimeoutMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Headers added to each message at publish time from its subject and exact payload (the service's event proof). */
  signHeaders?: (subject: string, payload: string) => Record<string, string>;
}

export interface RelayBatch {
  /** Rows acknowledged by JetStream and marked published (duplicates included). */
  published: number;
  /** Acks JetStream flagged as duplicates: an earlier attempt had already stored the message. */
  duplicates: number;
}

interface OutboxRow {
  position: string;
  event_id: string;
  subject: string;
  payload: string;
  headers: Record<string, string> | null;
}

const LISTEN_RETRY_MS = 5_000;

/**
 * Publishes outbox rows to JetStream. Rows are claimed with FOR UPDATE SKIP LOCKED on `published_at IS NULL`,
 * never by "position > last seen", so a row whose transaction commits late is still published, and replicas
 * share the work. Publish happens before the row is marked: a crash in between republishes the row with
 * the same Nats-Msg-Id (the event id), which JetStream drops as a duplicate.
 */
export class OutboxRelay {
  private readonly batchSize: number;
  private readonly background: BackgroundLoop;
  private listener: pg.Client | null = null;
  private nextListenAttempt = 0;
  /** An append committed since the last claim: the next pass claims at once, without the emptiness probe. */
  private notified = false;
  private unwatch: (() => void) | null = null;

  constructor(
    private readonly store: PgEventStore,
    private readonly js: JetStreamClient,
    private readonly options: OutboxRelayOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 100;
    this.background = new BackgroundLoop(
      {
        beforePass: () => this.ensureListener(),
        // A full batch means more rows are likely waiting: go again without sleeping.
        pass: async () => (await this.relayOnce()) >= this.batchSize,
        onFailure: (err, failures, retryInMs) =>
          options.logger?.warn('outbox relay pass failed; rows stay unpublished and will be retried', {
            schema: store.schema,
            error: errorMessage(err),
            failures,
            retryInMs,
          }),
        afterLoop: () => this.closeListener(),
      },
      { pollMs: options.pollMs ?? 1_000, backoffBaseMs: options.backoffBaseMs, backoffMaxMs: options.backoffMaxMs },
    );
  }

  async relayOnce(): Promise<number> {
    return (await this.relayBatch()).published;
  }

  /** One claim → publish → mark pass. Rejects (after committing what was published) when a publish fails. */
  async relayBatch(): Promise<RelayBatch> {
    const outbox = this.store.table('outbox');
    // The probe keeps idle polls from opening a transaction; after a NOTIFY there is a row to claim, and
    // skipping it saves a round trip on every event's way to JetStream.
    const notified = this.notified;
    this.notified = false;
    if (!notified) {
      const probe: unknown[] = await this.store.dataSource.query(`SELECT 1 FROM ${outbox} WHERE published_at IS NULL LIMIT 1`);
      if (probe.length === 0) return { published: 0, duplicates: 0 };
    }

    return withDbSpan(
      'outbox.relay',
      'SELECT FOR UPDATE SKIP LOCKED',
      { 'db.sql.table': `${this.store.schema}.outbox`, 'messaging.system': 'nats' },
      async (span) => {
        const { batch, failure, claimed } = await this.store.transaction(async (tx) => {
          const rows: OutboxRow[] = await tx.query(
            `SELECT position::text AS position, event_id, subject, payload, headers FROM ${outbox}
              WHERE published_at IS NULL ORDER BY position LIMIT $1 FOR UPDATE SKIP LOCKED`,
            [this.batchSize],
          );
          const done: string[] = [];
          let duplicates = 0;
          let failure: unknown = null;
          // Sequential, so a failure leaves no gap: rows are published in position order.
          for (const row of rows) {
            try {
              const ack = await this.publish(row);
              done.push(row.position);
              if (ack.duplicate) duplicates++;
            } catch (err) {
              failure = err;
              break;
            }
          }
          if (done.length > 0) {
            await tx.query(`UPDATE ${outbox} SET published_at = now() WHERE position = ANY($1::bigint[])`, [done]);
          }
          return { batch: { published: done.length, duplicates }, failure, claimed: rows.length };
        });
        if (batch.published > 0) outboxPublished.inc({ schema: this.store.schema }, batch.published);
        span.setAttributes({
          'switchboard.outbox.claimed': claimed,
          'switchboard.outbox.published': batch.published,
          'switchboard.outbox.duplicates': batch.duplicates,
        });
        // Thrown only after the commit, so what was published is marked even when a later publish failed.
        if (failure !== null) throw failure;
        return batch;
      },
    );
  }

  start(): void {
    this.unwatch ??= watchOutbox(this.store);
    this.background.start();
  }

  /** Ends the loop after the pass in flight (if any) and closes the LISTEN connection. */
  stop(): Promise<void> {
    this.unwatch?.();
    this.unwatch = null;
    return this.background.stop();
  }

  /** In a PRODUCER span of the trace the event was appended in (its stored traceparent), which the message then names. */
  private publish(row: OutboxRow) {
    return withProducerSpan(row.subject, row.event_id, row.headers ?? undefined, (trace) => {
      const h = natsHeaders();
      for (const [name, value] of Object.entries({ ...row.headers, ...trace })) h.set(name, value);
      for (const [name, value] of Object.entries(this.options.signHeaders?.(row.subject, row.payload) ?? {})) h.set(name, value);
      return this.js.publish(row.subject, row.payload, {
        msgID: row.event_id,
        headers: h,
        ...(this.options.publishTimeoutMs === undefined ? {} : { timeout: this.options.publishTimeoutMs }),
      });
    });
  }

  private async ensureListener(): Promise<void> {
    if (this.options.listen === false || this.listener || Date.now() < this.nextListenAttempt) return;
    const client = new pg.Client({ ...pgClientConfig(this.store.dataSource), connectionTimeoutMillis: LISTEN_RETRY_MS });
    client.on('notification', () => {
      this.notified = true;
      this.background.notify();
    });
    client.on('error', (err) => {
      this.options.logger?.warn('outbox relay LISTEN connection lost; polling until it is back', {
        schema: this.store.schema,
        error: errorMessage(err),
      });
      if (this.listener === client) this.listener = null;
      this.nextListenAttempt = Date.now() + LISTEN_RETRY_MS;
      client.end().catch(() => undefined);
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${this.store.notifyChannel}"`);
      this.listener = client;
    } catch (err) {
      this.nextListenAttempt = Date.now() + LISTEN_RETRY_MS;
      this.options.logger?.warn('outbox relay could not LISTEN; polling only for now', {
        schema: this.store.schema,
        error: errorMessage(err),
      });
      await client.end().catch(() => undefined);
    }
  }

  private async closeListener(): Promise<void> {
    const client = this.listener;
    this.listener = null;
    if (client) await client.end().catch(() => undefined);
  }
}
