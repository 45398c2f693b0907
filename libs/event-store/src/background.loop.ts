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

/** What a background loop does; the loop owns start/stop, sleeping and the retry policy. */
export interface BackgroundWork {
  /** Runs before each pass, outside the retry policy (the relay re-opens its LISTEN connection here). */
  beforePass?(): Promise<void>;
  /** One pass; resolves true when work was left over (a full batch), so the next pass starts without sleeping. */
  pass(): Promise<boolean>;
  /** Reports a failed pass; the loop then backs off for `retryInMs`. */
  onFailure(err: unknown, failures: number, retryInMs: number): void;
  /** Runs once when the loop has ended, after the last pass. */
  afterLoop?(): Promise<void>;
}

export interface BackgroundLoopOptions {
  pollMs: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

/**
 * The loop of the outbox relay and of the projection runner: passes until stopped, sleeping `pollMs` when idle
 * and backing off exponentially after consecutive failures. `stop()` ends it after the pass in flight.
 */
export class BackgroundLoop {
  private readonly sleeper = new LoopSleeper();
  private loop: Promise<void> | null = null;
  private stopping = false;

  constructor(
    private readonly work: BackgroundWork,
    private readonly options: BackgroundLoopOptions,
  ) {}

  /** True from `stop()` on, so a long pass can end at a batch boundary. */
  get isStopping(): boolean {
    return this.stopping;
  }

  /** New work was announced: ends an idle sleep early (never a backoff). */
  notify(): void {
    this.sleeper.notify();
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

  private async run(): Promise<void> {
    let failures = 0;
    try {
      while (!this.stopping) {
        if (this.work.beforePass) {
          await this.work.beforePass();
          if (this.stopping) break;
        }
        this.sleeper.clearPending();
        try {
          const more = await this.work.pass();
          failures = 0;
          if (!more) await this.sleeper.sleep(this.options.pollMs);
        } catch (err) {
          failures++;
          const retryInMs = backoffDelay(failures, this.options.backoffBaseMs ?? 200, this.options.backoffMaxMs ?? 10_000);
          this.work.onFailure(err, failures, retryInMs);
          // Notifications must not cut a backoff short: they would turn an outage into a busy loop.
          await this.sleeper.sleep(retryInMs, false);
        }
      }
    } finally {
      await this.work.afterLoop?.();
    }
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
