import { toUpstreamError, upstreamError, type UpstreamError } from '@switchboard/upstream';

/**
 * Everything that ends an upstream call early: the client leaving, and the longest a call may take from request to
 * last byte (SWITCHBOARD_UPSTREAM_TIMEOUT_MS), streamed or not. One signal for undici; which of the two fired
 * decides what the client is told.
 */
export class CallDeadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private expired = false;

  constructor(readonly limitMs: number) {
    this.timer = setTimeout(() => {
      this.expired = true;
      this.controller.abort();
    }, limitMs);
    this.timer.unref();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get timedOut(): boolean {
    return this.expired;
  }

  /** The client went away: stop the upstream call. */
  clientLeft(): void {
    this.controller.abort();
  }

  /** The call is over: the timer goes. */
  settle(): void {
    clearTimeout(this.timer);
  }

  /** What ended a read of the upstream, the deadline first (an abort it caused is a timeout, not the client leaving). */
  failureOf(error: unknown, origin: string): UpstreamError {
    if (this.expired) return upstreamError('timeout', `${origin} did not finish within ${this.limitMs} ms`);
    return toUpstreamError(error, origin, this.controller.signal);
  }
}
