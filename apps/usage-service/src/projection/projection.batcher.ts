import type { UsageRecordedMessage } from './usage-recorded.message.js';
import { callKeyOf, type ChargedLedgerRow, type ProjectedBatch } from './usage.projection.js';

interface Pending {
  readonly call: UsageRecordedMessage;
  readonly resolve: (added: boolean) => void;
  readonly reject: (error: unknown) => void;
  /** performance.now() when the call was handed in. */
  readonly at: number;
}

export interface ProjectionBatcherOptions {
  /** Projects one batch (one statement, one commit). */
  readonly project: (calls: readonly UsageRecordedMessage[]) => Promise<ProjectedBatch>;
  /**
   * Told of the ledger rows each batch moved, before the batch's callers are answered; its failure does not
   * fail the batch (already committed: the budget sweeper catches up).
   */
  readonly onCharged: (rows: readonly ChargedLedgerRow[]) => Promise<void>;
  /** Most calls in one statement (default 500). */
  readonly maxBatch?: number;
  /** How long the oldest waiting call waits for others to join its batch (default 0: the end of its event-loop turn). */
  readonly lingerMs?: number;
}

/**
 * Group commit for the projection: a batch is written once its oldest call has waited `lingerMs` (or at the end of
 * that call's event-loop turn, with none), or at once when `maxBatch` calls wait; one batch is written at a time,
 * and calls handed in meanwhile wait for the next. Each commit, statement round trip and the acknowledgements that
 * follow cost about as much for one call as for fifty, so at a steady trickle of events (each gateway publishes its
 * calls every few milliseconds) a short wait is what lets a batch carry more than one call. Each caller learns whether
 * its call was new once its batch has committed, and sees the batch's error if it failed (its message is then
 * redelivered).
 */
export class ProjectionBatcher {
  private pending: Pending[] = [];
  private writing = false;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private readonly maxBatch: number;
  private readonly lingerMs: number;

  constructor(private readonly options: ProjectionBatcherOptions) {
    this.maxBatch = options.maxBatch ?? 500;
    this.lingerMs = options.lingerMs ?? 0;
  }

  project(call: UsageRecordedMessage): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.pending.push({ call, resolve, reject, at: performance.now() });
      if (!this.writing) this.schedule();
    });
  }

  /** Arms the write of the next batch (a full one at once); called only while no batch is being written. */
  private schedule(): void {
    const oldest = this.pending[0];
    if (oldest === undefined) return;
    if (this.pending.length >= this.maxBatch) {
      this.cancel();
      void this.writeBatch();
      return;
    }
    if (this.timer !== null || this.immediate !== null) return;
    const waitMs = oldest.at + this.lingerMs - performance.now();
    if (waitMs > 0) this.timer = setTimeout(() => void this.writeBatch(), waitMs);
    else this.immediate = setImmediate(() => void this.writeBatch());
  }

  private cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.immediate !== null) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
  }

  private async writeBatch(): Promise<void> {
    this.cancel();
    this.writing = true;
    const batch = this.pending.splice(0, this.maxBatch);
    try {
      let projected: ProjectedBatch;
      try {
        projected = await this.options.project(batch.map((p) => p.call));
      } catch (error) {
        for (const p of batch) p.reject(error);
        return;
      }
      // Before the calls are acknowledged, so a budget event is on its way when the projection looks done.
      await this.options.onCharged(projected.ledger).catch(() => undefined);
      for (const p of batch) p.resolve(projected.added.has(callKeyOf(p.call)));
    } finally {
      this.writing = false;
      this.schedule();
    }
  }
}
