import { fail, ok, type Result } from '@switchboard/contracts';
import type { DataSource } from 'typeorm';
import { eventStoreMigrations } from './event-store.migrations.js';
import { busHeaders, busPayload, checkpointOf, EVENT_COLUMNS, toStoredEvent, type EventRow } from './event-row.mapper.js';
import type { AppendArgs, Checkpoint, EventStoreOptions, StoredEvent, Tx, VersionConflict } from './event-store.types.js';
import { runMigrations, schemaIdentifier } from './migrations.js';
import { withDbSpan } from './postgres.span.js';

const STREAM_VERSION_CONSTRAINT = 'events_stream_version_key';

export class PgEventStore {
  readonly dataSource: DataSource;
  readonly schema: string;
  /** NOTIFY channel the append transaction signals on commit; the outbox relay LISTENs to it. */
  readonly notifyChannel: string;
  private readonly q: string;

  constructor(ds: DataSource, private readonly options: EventStoreOptions) {
    this.dataSource = ds;
    this.schema = options.schema;
    this.q = schemaIdentifier(options.schema);
    this.notifyChannel = `${options.schema}_events`;
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
   * Appends at `expectedVersion` and writes one outbox row per event in the same transaction.
   * UNIQUE (stream_id, version) decides races: of two appends at one expected version exactly one
   * commits, the other gets a VersionConflict value (its transaction stays usable).
   */
  async append(tx: Tx, args: AppendArgs): Promise<Result<StoredEvent[], VersionConflict>> {
    if (!tx.queryRunner?.isTransactionActive) return tx.transaction((inner) => this.append(inner, args));
    if (!Number.isInteger(args.expectedVersion) || args.expectedVersion < 0) {
      throw new Error(`expectedVersion must be a non-negative integer, got ${args.expectedVersion}`);
    }
    if (args.events.length === 0) return ok([]);
    return withDbSpan(
      'event_store.append',
      'INSERT',
      { 'db.sql.table': `${this.schema}.events`, 'switchboard.stream_id': args.streamId, 'switchboard.event_count': args.events.length },
      async (span) => {
        const actual = await this.currentVersion(tx, args.streamId);
        if (actual !== args.expectedVersion) {
          span.setAttribute('switchboard.version_conflict', true);
          return fail(this.conflict(args, actual));
        }
        await tx.query('SAVEPOINT event_store_append');
        let rows: EventRow[];
        try {
          rows = await this.insertEvents(tx, args);
        } catch (err) {
          if (!isUniqueViolation(err, STREAM_VERSION_CONSTRAINT)) throw err;
          // A concurrent append at the same version committed between our check and our insert.
          await tx.query('ROLLBACK TO SAVEPOINT event_store_append');
          span.setAttribute('switchboard.version_conflict', true);
          // Under REPEATABLE READ the winner stays invisible; the violation alone proves the stream moved on.
          const actual = Math.max(await this.currentVersion(tx, args.streamId), args.expectedVersion + 1);
          return fail(this.conflict(args, actual));
        }
        await tx.query('RELEASE SAVEPOINT event_store_append');
        await this.insertOutbox(tx, args);
        await tx.query('SELECT pg_notify($1, $2)', [this.notifyChannel, '']);
        return ok(rows.map(toStoredEvent).sort((a, b) => a.version - b.version));
      },
    );
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

  private async currentVersion(tx: Tx, streamId: string): Promise<number> {
    const rows: { version: number | null }[] = await tx.query(
      `SELECT max(version) AS version FROM ${this.table('events')} WHERE stream_id = $1`,
      [streamId],
    );
    return rows[0]?.version ?? 0;
  }

  private insertEvents(tx: Tx, args: AppendArgs): Promise<EventRow[]> {
    const params: unknown[] = [args.streamId, args.tenantId, JSON.stringify(args.metadata), args.at];
    const values = args.events.map((event, i) => {
      params.push(event.eventId, args.expectedVersion + i + 1, event.type, JSON.stringify(event.data));
      const p = params.length;
      return `($${p - 3}, $1, $${p - 2}, $${p - 1}, $2, $${p}::jsonb, $3::jsonb, $4)`;
    });
    return tx.query(
      `INSERT INTO ${this.table('events')} AS e (event_id, stream_id, version, type, tenant_id, data, metadata, recorded_at)
       VALUES ${values.join(', ')}
       RETURNING ${EVENT_COLUMNS}`,
      params,
    );
  }

  private async insertOutbox(tx: Tx, args: AppendArgs): Promise<void> {
    const params: unknown[] = [JSON.stringify(busHeaders(args.metadata))];
    const values = args.events.map((event) => {
      const busType = this.options.busTypeOf(event.type);
      params.push(
        event.eventId,
        this.options.busNames.event(args.tenantId, busType),
        busPayload(event, busType, args.tenantId, args.at),
      );
      const p = params.length;
      return `($${p - 2}, $${p - 1}, $${p}, $1::jsonb)`;
    });
    await tx.query(`INSERT INTO ${this.table('outbox')} (event_id, subject, payload, headers) VALUES ${values.join(', ')}`, params);
  }

  private conflict(args: AppendArgs, actual: number): VersionConflict {
    return {
      code: 'version_conflict',
      message: `stream ${args.streamId} is at version ${actual}, expected ${args.expectedVersion}`,
      streamId: args.streamId,
      expected: args.expectedVersion,
      actual,
    };
  }
}

function isUniqueViolation(err: unknown, constraint: string): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; constraint?: unknown; driverError?: { code?: unknown; constraint?: unknown } };
  const code = e.driverError?.code ?? e.code;
  const name = e.driverError?.constraint ?? e.constraint;
  return code === '23505' && name === constraint;
}
