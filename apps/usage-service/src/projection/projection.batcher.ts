import type { UsageRecordedMessage } from './usage-recorded.message.js';
import { callKeyOf, type ChargedLedgerRow, type ProjectedBatch } from './usage.projection.js';

interface Pending {
  readonly call: UsageRecordedMessage;
  readonly resolve: (added: boolean) => void;
  readonly reject: (error: unknown) => void;
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
}

/**
 * Group commit for the projection: calls handed in while a batch is being written wait and go together in the
 * next one, so under load one commit carries many calls. An idle projector starts writing at the end of the
 * event-loop turn (setImmediate, no timer): the messages of one read from the bus are handled in the same turn, so
 * they go in one batch instead of the first alone and the rest in the next. Each caller learns whether its call
 * was new once its batch has committed, and sees the batch's error if it failed (its message is then redelivered).
 */
export class ProjectionBatcher {
  private pending: Pending[] = [];
  private running = false;
  private readonly maxBatch: number;

  constructor(private readonly options: ProjectionBatcherOptions) {
    this.maxBatch = options.maxBatch ?? 500;
  }

  project(call: UsageRecordedMessage): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.pending.push({ call, resolve, reject });
      if (this.running) return;
      this.running = true;
      setImmediate(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, this.maxBatch);
        let projected: ProjectedBatch;
        try {
          projected = await this.options.project(batch.map((p) => p.call));
        } catch (error) {
          for (const p of batch) p.reject(error);
          continue;
        }
        // Before the calls are acknowledged, so a budget event is on its way when the projection looks done.
        await this.options.onCharged(projected.ledger).catch(() => undefined);
        for (const p of batch) p.resolve(projected.added.has(callKeyOf(p.call)));
      }
    } finally {
      this.running = false;
    }
  }
}
