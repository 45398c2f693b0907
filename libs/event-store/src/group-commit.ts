/** How one item of a batch ended: a value for its caller, or an error for that caller alone. */
export type Settled<R> = { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: unknown };

export interface GroupCommitOptions<I, R> {
  /**
   * Writes one batch and settles each item, in the order given. Throwing fails every caller of this batch and no
   * other: the next batch still runs.
   */
  run(items: readonly I[]): Promise<readonly Settled<R>[]>;
  /** Bounds the size of one statement; callers past it wait for the next batch. */
  maxBatch: number;
}

export interface GroupCommitStats {
  batches: number;
  items: number;
  largestBatch: number;
}

export class GroupCommitError extends Error {
  readonly code = 'group_commit_unsettled';
}

interface Pending<I, R> {
  readonly item: I;
  resolve(value: R): void;
  reject(error: unknown): void;
}

/**
 * Group commit: one batch in flight at a time; whatever is submitted while it runs becomes the next batch. An idle
 * queue adds no wait: the first submission is flushed at the end of the current microtask turn (so callers
 * submitting in the same turn share it), not after a timer.
 */
export class GroupCommit<I, R> {
  private queue: Pending<I, R>[] = [];
  private inFlight = false;
  private scheduled = false;
  private readonly counters: GroupCommitStats = { batches: 0, items: 0, largestBatch: 0 };

  constructor(private readonly options: GroupCommitOptions<I, R>) {
    if (!Number.isInteger(options.maxBatch) || options.maxBatch < 1) throw new RangeError(`maxBatch must be a positive integer, got ${options.maxBatch}`);
  }

  submit(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Submitted and not yet picked up by a batch. */
  get waiting(): number {
    return this.queue.length;
  }

  stats(): Readonly<GroupCommitStats> {
    return { ...this.counters };
  }

  private schedule(): void {
    if (this.inFlight || this.scheduled || this.queue.length === 0) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.inFlight || this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.options.maxBatch);
    this.inFlight = true;
    this.counters.batches++;
    this.counters.items += batch.length;
    this.counters.largestBatch = Math.max(this.counters.largestBatch, batch.length);
    try {
      const settled = await this.options.run(batch.map((p) => p.item));
      batch.forEach((pending, i) => {
        const outcome = settled[i];
        if (outcome === undefined) pending.reject(new GroupCommitError(`batch runner settled ${settled.length} of ${batch.length} items`));
        else if (outcome.ok) pending.resolve(outcome.value);
        else pending.reject(outcome.error);
      });
    } catch (err) {
      for (const pending of batch) pending.reject(err);
    } finally {
      this.inFlight = false;
      this.schedule();
    }
  }
}
