import { BackgroundLoop, errorMessage } from './background.loop.js';
import type { Checkpoint, EventStoreLogger, StoredEvent, Tx } from './event-store.types.js';
import type { PgEventStore } from './pg-event-store.js';

/** A read model fed from the global event order. `apply` runs in the transaction that advances the checkpoint. */
export interface Projection {
  readonly name: string;
  apply(tx: Tx, event: StoredEvent): Promise<void>;
  /** Empties the read model before a rebuild; without it, `apply` must tolerate seeing events again. */
  reset?(tx: Tx): Promise<void>;
}

export interface ProjectionRunnerOptions {
  batchSize?: number;
  pollMs?: number;
  logger?: EventStoreLogger;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

/**
 * Feeds a projection in batches; each batch and its checkpoint commit in one transaction, so a crash
 * replays at most an uncommitted batch and every event is applied exactly once. The checkpoint row is
 * locked for the batch, so replicas running the same projection take turns instead of applying twice.
 */
export class ProjectionRunner {
  private readonly batchSize: number;
  private readonly background: BackgroundLoop;

  constructor(
    private readonly store: PgEventStore,
    private readonly projection: Projection,
    options: ProjectionRunnerOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.background = new BackgroundLoop(
      {
        // Drains everything there is (stopping at a batch boundary on stop), then sleeps until the next poll.
        pass: async () => {
          await this.drain(() => !this.background.isStopping);
          return false;
        },
        onFailure: (err, failures, retryInMs) =>
          options.logger?.error('projection batch failed; it was rolled back and will be retried', {
            projection: projection.name,
            error: errorMessage(err),
            failures,
            retryInMs,
          }),
      },
      { pollMs: options.pollMs ?? 1_000, backoffBaseMs: options.backoffBaseMs, backoffMaxMs: options.backoffMaxMs },
    );
  }

  /** Applies every event after the checkpoint; returns how many were applied. */
  catchUp(): Promise<number> {
    return this.drain(() => true);
  }

  /**
   * Resets the read model and its checkpoint in one transaction, then replays everything that was
   * committed when the rebuild started. readAll holds back events while an older transaction anywhere
   * on the server is still open, so one catch-up pass can stop short: keep going until the last
   * transaction seen at the start has been applied.
   */
  async rebuild(options: { timeoutMs?: number } = {}): Promise<number> {
    const target = await this.store.transaction(async (tx) => {
      await this.lockCheckpoint(tx);
      await this.projection.reset?.(tx);
      await tx.query(
        `UPDATE ${this.store.table('projection_checkpoints')} SET transaction_id = '0', position = 0, updated_at = now() WHERE name = $1`,
        [this.projection.name],
      );
      const rows: { target: string | null }[] = await tx.query(`SELECT max(transaction_id)::text AS target FROM ${this.store.table('events')}`);
      return rows[0]?.target ?? null;
    });
    let total = await this.catchUp();
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    while (target !== null && BigInt((await this.checkpoint()).transactionId) < BigInt(target)) {
      if (Date.now() > deadline) {
        throw new Error(`rebuild of ${this.projection.name} is held back by a long-running transaction on the database server`);
      }
      await new Promise((r) => setTimeout(r, 20));
      total += await this.catchUp();
    }
    return total;
  }

  checkpoint(): Promise<Checkpoint> {
    return this.store.transaction((tx) => this.lockCheckpoint(tx));
  }

  start(): void {
    this.background.start();
  }

  stop(): Promise<void> {
    return this.background.stop();
  }

  private async drain(keepGoing: () => boolean): Promise<number> {
    let total = 0;
    for (;;) {
      const applied = await this.applyBatch();
      total += applied;
      if (applied < this.batchSize || !keepGoing()) return total;
    }
  }

  private applyBatch(): Promise<number> {
    return this.store.transaction(async (tx) => {
      const from = await this.lockCheckpoint(tx);
      const { events, checkpoint } = await this.store.readAll(from, this.batchSize, tx);
      for (const event of events) await this.projection.apply(tx, event);
      if (events.length > 0) {
        await tx.query(
          `UPDATE ${this.store.table('projection_checkpoints')}
              SET transaction_id = $2::xid8, position = $3::bigint, updated_at = now() WHERE name = $1`,
          [this.projection.name, checkpoint.transactionId, checkpoint.position],
        );
      }
      return events.length;
    });
  }

  private async lockCheckpoint(tx: Tx): Promise<Checkpoint> {
    const table = this.store.table('projection_checkpoints');
    await tx.query(`INSERT INTO ${table} (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, [this.projection.name]);
    const rows: { transaction_id: string; position: string }[] = await tx.query(
      `SELECT transaction_id::text AS transaction_id, position::text AS position FROM ${table} WHERE name = $1 FOR UPDATE`,
      [this.projection.name],
    );
    const row = rows[0];
    if (!row) throw new Error(`checkpoint row for projection ${this.projection.name} is missing`);
    return { transactionId: row.transaction_id, position: row.position };
  }
}
