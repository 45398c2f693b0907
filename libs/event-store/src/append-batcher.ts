import { fail } from '@switchboard/contracts';
import type { DataSource } from 'typeorm';
import {
  appendBatchStatement,
  isItemAttributable,
  outcomesOf,
  settledError,
  settledValue,
  type AfterAppendHook,
  type AppendOutcome,
  type BatchItem,
  type BatchRow,
  type CommitOutcome,
} from './append-batch.js';
import type { AppendArgs, StoredEvent, Tx } from './event-store.types.js';
import { GroupCommit, type GroupCommitStats, type Settled } from './group-commit.js';

export interface QueuedAppend {
  readonly args: AppendArgs;
  readonly item: BatchItem;
  readonly afterAppend?: AfterAppendHook;
  /** Set when a batch picks the append up, for the caller's span. */
  batchSize?: number;
}

/** Unwinds a batch transaction because one item's hook refused or threw; `settled` is that item's outcome. */
class HookRefusal {
  constructor(
    readonly index: number,
    readonly settled: Settled<CommitOutcome>,
  ) {}
}

/**
 * Group commit of appends for one store in one process. A batch without afterAppend hooks is one `append_batch`
 * statement outside any transaction: one round trip, one commit. A batch with hooks is one transaction: the
 * statement, each hook in turn, one commit. A hook that refuses or throws rolls the batch back; that item ends with
 * the hook's outcome and the others run again as a batch without it (hooks refuse rarely: a name taken, a quota
 * reached), so the usual batch pays no savepoints.
 */
export class AppendBatcher {
  private readonly group: GroupCommit<QueuedAppend, CommitOutcome>;

  constructor(
    private readonly ds: DataSource,
    private readonly q: string,
    private readonly notifyChannel: string,
    maxBatch: number,
  ) {
    this.group = new GroupCommit({ run: (batch) => this.run(batch), maxBatch });
  }

  submit(queued: QueuedAppend): Promise<CommitOutcome> {
    return this.group.submit(queued);
  }

  stats(): Readonly<GroupCommitStats> {
    return this.group.stats();
  }

  /** The appends of `batch` in one statement on `db` (a transaction's manager, or the pool for autocommit). */
  async statement(db: Tx, batch: readonly Pick<QueuedAppend, 'args' | 'item'>[]): Promise<AppendOutcome[]> {
    const rows: BatchRow[] = await db.query(appendBatchStatement(this.q), [JSON.stringify(batch.map((b) => b.item)), this.notifyChannel]);
    return outcomesOf(
      rows,
      batch.map((b) => b.args),
    );
  }

  private async run(batch: readonly QueuedAppend[]): Promise<Settled<CommitOutcome>[]> {
    for (const queued of batch) queued.batchSize = batch.length;
    try {
      if (batch.some((queued) => queued.afterAppend !== undefined)) return await this.ds.transaction((tx) => this.withHooks(tx, batch));
      return (await this.statement(this.ds.manager, batch)).map((outcome) => settledValue<CommitOutcome>(outcome));
    } catch (err) {
      if (err instanceof HookRefusal) return this.withoutRefused(batch, err);
      if (batch.length === 1 || !isItemAttributable(err)) throw err;
      // The whole batch was rolled back; alone, each item succeeds or fails on its own account.
      const settled: Settled<CommitOutcome>[] = [];
      for (const queued of batch) settled.push(...(await this.settle([queued])));
      return settled;
    }
  }

  private async withoutRefused(batch: readonly QueuedAppend[], refusal: HookRefusal): Promise<Settled<CommitOutcome>[]> {
    const rest = await this.settle(batch.filter((_, i) => i !== refusal.index));
    return [...rest.slice(0, refusal.index), refusal.settled, ...rest.slice(refusal.index)];
  }

  /** `run`, with a batch that fails as a whole settled as a failure of each of its items. */
  private async settle(batch: readonly QueuedAppend[]): Promise<Settled<CommitOutcome>[]> {
    if (batch.length === 0) return [];
    try {
      return await this.run(batch);
    } catch (err) {
      return batch.map(() => settledError<CommitOutcome>(err));
    }
  }

  private async withHooks(tx: Tx, batch: readonly QueuedAppend[]): Promise<Settled<CommitOutcome>[]> {
    const appended = await this.statement(tx, batch);
    const settled: Settled<CommitOutcome>[] = [];
    for (const [i, queued] of batch.entries()) {
      const outcome = appended[i];
      if (outcome === undefined) throw new Error(`no outcome for item ${i + 1} of the batch`);
      if (outcome.ok && queued.afterAppend !== undefined) await this.runHook(tx, i, queued.afterAppend, outcome.value);
      settled.push(settledValue<CommitOutcome>(outcome));
    }
    return settled;
  }

  private async runHook(tx: Tx, index: number, hook: AfterAppendHook, events: StoredEvent[]): Promise<void> {
    let result: Awaited<ReturnType<AfterAppendHook>>;
    try {
      result = await hook(tx, events);
    } catch (err) {
      throw new HookRefusal(index, settledError(err));
    }
    if (!result.ok) {
      const rejected = fail({ code: 'after_append_rejected' as const, message: result.error.message, error: result.error });
      throw new HookRefusal(index, settledValue<CommitOutcome>(rejected));
    }
  }
}
