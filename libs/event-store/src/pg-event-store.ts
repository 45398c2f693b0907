import type { Attributes } from '@opentelemetry/api';
import { ok, type Result } from '@switchboard/contracts';
import type { DataSource } from 'typeorm';
import { assertExpectedVersion, toBatchItem, type AfterAppendHook, type CommitOutcome } from './append-batch.js';
import { AppendBatcher, type QueuedAppend } from './append-batcher.js';
import { eventStoreMigrations } from './event-store.migrations.js';
import { checkpointOf, EVENT_COLUMNS, toStoredEvent, type EventRow } from './event-row.mapper.js';
import type { AppendArgs, Checkpoint, EventStoreOptions, StoredEvent, Tx, VersionConflict } from './event-store.types.js';
import type { GroupCommitStats } from './group-commit.js';
import { runMigrations, schemaIdentifier } from './migrations.js';
import { withDbSpan } from './postgres.span.js';

/** Appends per group-commit batch at most: bounds one statement's size. */
const MAX_BATCH = 128;

export class PgEventStore {
  readonly dataSource: DataSource;
  readonly schema: string;
  /** NOTIFY channel the append transaction signals on commit; the outbox relay LISTENs to it. */
  readonly notifyChannel: string;
  private readonly q: string;
  private readonly batcher: AppendBatcher;

  constructor(ds: DataSource, private readonly options: EventStoreOptions) {
    this.dataSource = ds;
    this.schema = options.schema;
    this.q = schemaIdentifier(options.schema);
    this.notifyChannel = `${options.schema}_events`;
    this.batcher = new AppendBatcher(ds, this.q, this.notifyChannel, MAX_BATCH);
  }

  /** Qualified table name inside the store's schema. */
  table(name: 'events' | 'outbox' | 'projection_checkpoints'): string {
    return `${this.q}.${name}`;
  }

  migrate(): Promise<void> {
    return runMigrations(this.dataSource, this.schema, eventStoreMigrations(this.schema));
  }

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(fn);
  }

  readStream(streamId: string, tx?: Tx): Promise<{ version: number; events: StoredEvent[] }> {
    return withDbSpan('event_store.read_stream', 'SELECT', { 'db.sql.table': `${this.schema}.events` }, async (span) => {
      const rows: EventRow[] = await (tx ?? this.dataSource.manager).query(
        `SELECT ${EVENT_COLUMNS} FROM ${this.table('events')} e WHERE e.stream_id = $1 ORDER BY e.version`,
        [streamId],
      );
      const events = rows.map(toStoredEvent);
      span.setAttribute('switchboard.event_count', events.length);
      return { version: events.at(-1)?.version ?? 0, events };
    });
  }

  /** A page of a stream: at most `limit` events after `afterVersion`, in version order. */
  readStreamPage(streamId: string, afterVersion: number, limit: number, tx?: Tx): Promise<StoredEvent[]> {
    return withDbSpan('event_store.read_stream', 'SELECT', { 'db.sql.table': `${this.schema}.events` }, async (span) => {
      const rows: EventRow[] = await (tx ?? this.dataSource.manager).query(
        `SELECT ${EVENT_COLUMNS} FROM ${this.table('events')} e WHERE e.stream_id = $1 AND e.version > $2 ORDER BY e.version LIMIT $3`,
        [streamId, afterVersion, limit],
      );
      span.setAttribute('switchboard.event_count', rows.length);
      return rows.map(toStoredEvent);
    });
  }

  /**
   * Appends at `expectedVersion` inside `tx` (one statement, see append-batch.sql.ts) and writes one outbox row per
   * event with it. UNIQUE (stream_id, version) decides races: of two appends at one expected version exactly one
   * commits, the other gets a VersionConflict value (its transaction stays usable).
   */
  async append(tx: Tx, args: AppendArgs): Promise<Result<StoredEvent[], VersionConflict>> {
    assertExpectedVersion(args.expectedVersion);
    if (args.events.length === 0) return ok([]);
    const item = toBatchItem(args, this.options);
    return withDbSpan('event_store.append', 'INSERT', this.appendAttributes(args), async (span) => {
      const [outcome] = await this.batcher.statement(tx, [{ args, item }]);
      if (outcome === undefined) throw new Error(`append_batch settled nothing for stream ${args.streamId}`);
      if (!outcome.ok) span.setAttribute('switchboard.version_conflict', true);
      return outcome;
    });
  }

  /**
   * Appends at `expectedVersion` in a transaction of its own, shared by the appends that arrive while the previous
   * batch is being written (group commit): one round trip and one commit per batch, each caller with its own
   * outcome. `afterAppend` runs in that transaction; when it refuses or throws, this append alone is undone.
   * Resolves once the append is durable (committed), or rejects when its batch failed as a whole.
   */
  async appendCommitted(args: AppendArgs, afterAppend?: AfterAppendHook): Promise<CommitOutcome> {
    assertExpectedVersion(args.expectedVersion);
    if (args.events.length === 0) return ok([]);
    const item = toBatchItem(args, this.options);
    return withDbSpan('event_store.append', 'INSERT', { ...this.appendAttributes(args), 'switchboard.group_commit': true }, async (span) => {
      const queued: QueuedAppend = afterAppend ? { args, item, afterAppend } : { args, item };
      const outcome = await this.batcher.submit(queued);
      span.setAttribute('switchboard.batch_size', queued.batchSize ?? 1);
      if (!outcome.ok) span.setAttribute(`switchboard.${outcome.error.code}`, true);
      return outcome;
    });
  }

  /** Batches and appends carried by group commit since start. */
  groupCommitStats(): Readonly<GroupCommitStats> {
    return this.batcher.stats();
  }

  /**
   * Events in global order (transaction id, position) after `after`. Only transactions older than the
   * oldest one still in flight (snapshot xmin) are returned, so a transaction that commits late is
   * never skipped: everything at or after it waits until it has finished.
   */
  async readAll(after: Checkpoint, limit: number, tx?: Tx): Promise<{ events: StoredEvent[]; checkpoint: Checkpoint }> {
    const rows: EventRow[] = await (tx ?? this.dataSource.manager).query(
      `SELECT ${EVENT_COLUMNS} FROM ${this.table('events')} e
        WHERE (e.transaction_id, e.position) > ($1::xid8, $2::bigint)
          AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY e.transaction_id, e.position
        LIMIT $3`,
      [after.transactionId, after.position, limit],
    );
    const last = rows.at(-1);
    return { events: rows.map(toStoredEvent), checkpoint: last ? checkpointOf(last) : { ...after } };
  }

  private appendAttributes(args: AppendArgs): Attributes {
    return { 'db.sql.table': `${this.schema}.events`, 'switchboard.stream_id': args.streamId, 'switchboard.event_count': args.events.length };
  }
}
