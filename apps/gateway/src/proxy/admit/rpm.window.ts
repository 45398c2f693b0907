const MINUTE_MS = 60_000;

export interface RpmWindow {
  /** KV key `<providerId>.<epochMinute>`: every replica counts the same minute under the same key. */
  readonly key: string;
  /** Whole seconds until the next window opens (at least 1): the Retry-After of a refusal. */
  readonly retryAfterSeconds: number;
}

/** Fixed one-minute windows aligned to the epoch, so replicas agree on the window without talking. */
export function rpmWindow(providerId: string, nowMs: number): RpmWindow {
  const minute = Math.floor(nowMs / MINUTE_MS);
  const msLeft = (minute + 1) * MINUTE_MS - nowMs;
  return { key: `${providerId}.${minute}`, retryAfterSeconds: Math.max(1, Math.ceil(msLeft / 1000)) };
}

export interface Admission {
  /** Callers admitted from this batch (the first ones, in arrival order). */
  readonly admitted: number;
  /** The counter to write: the count seen plus the admitted callers. */
  readonly next: number;
}

/**
 * How many of `waiting` callers fit under `limit` when the window already counts `count`. Refused calls are
 * not counted, so a burst over the limit does not push the window's count past it.
 */
export function admit(count: number, waiting: number, limit: number): Admission {
  const admitted = Math.max(0, Math.min(waiting, limit - count));
  return { admitted, next: count + admitted };
}
