import { backoffDelay, errorMessage, LoopSleeper } from './background.loop.js';
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
  private readonly pollMs: number;
  private readonly sleeper = new LoopSleeper();
  private loop: Promise<void> | null = null;
  private stopping = false;

  constructor(
    private readonly store: PgEventStore,
    private readonly projection: Projection,
    private readonly options: ProjectionRunnerOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.pollMs = options.pollMs ?? 1_000;
  }

  /** Applies every event after the checkpoint; returns how many were applied. */
  catchUp(): Promise<number> {
    return this.drain(() => true);
  }

  /** Resets the read model and its checkpoint in one transaction, then replays everything. */
  async rebuild(): Promise<number> {
    await this.store.transaction(async (tx) => {
      await this.lockCheckpoint(tx);
      await this.projection.reset?.(tx);
      await tx.query(
        `UPDATE ${this.store.table('projection_checkpoints')} SET transaction_id = '0', position = 0, updated_at = now() WHERE name = $1`,
        [this.projection.name],
      );
    });
    return this.catchUp();
  }

  checkpoint(): Promise<Checkpoint> {
    return this.store.transaction((tx) => this.lockCheckpoint(tx));
  }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.sleeper.reset();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    if (!this.loop) return;
    this.stopping = true;
    this.sleeper.cancel();
    await this.loop;
    this.loop = null;
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

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        await this.drain(() => !this.stopping);
        failures = 0;
        await this.sleeper.sleep(this.pollMs);
      } catch (err) {
        failures++;
        const delayMs = backoffDelay(failures, this.options.backoffBaseMs ?? 200, this.options.backoffMaxMs ?? 10_000);
        this.options.logger?.error('projection batch failed; it was rolled back and will be retried', {
          projection: this.projection.name,
          error: errorMessage(err),
          failures,
          retryInMs: delayMs,
        });
        await this.sleeper.sleep(delayMs, false);
      }
    }
  }
}
