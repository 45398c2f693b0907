/** Delay before the next attempt after `failures` consecutive failures: exponential, capped, jittered by half. */
export function backoffDelay(failures: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(exponential * (0.5 + random() / 2));
}

interface PendingSleep {
  timer: NodeJS.Timeout;
  resolve: () => void;
  interruptible: boolean;
}

/**
 * The one timer of a background loop. `notify()` ends an interruptible sleep early (or the next one, if it
 * arrives while the loop is busy); `cancel()` ends the current sleep and every later one until `reset()`,
 * so `stop()` never waits out a poll interval, even when it lands while the loop is busy.
 */
export class LoopSleeper {
  private pending = false;
  private cancelled = false;
  private current: PendingSleep | null = null;

  sleep(ms: number, interruptible = true): Promise<void> {
    if (this.cancelled) return Promise.resolve();
    if (interruptible && this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.current = null;
        resolve();
      }, ms);
      this.current = { timer, resolve, interruptible };
    });
  }

  /** Forget notifications that arrived before the work about to start, which will see their rows anyway. */
  clearPending(): void {
    this.pending = false;
  }

  notify(): void {
    if (this.current?.interruptible) this.finish();
    else this.pending = true;
  }

  cancel(): void {
    this.cancelled = true;
    this.finish();
  }

  reset(): void {
    this.cancelled = false;
    this.pending = false;
  }

  private finish(): void {
    const current = this.current;
    if (!current) return;
    this.current = null;
    clearTimeout(current.timer);
    current.resolve();
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
