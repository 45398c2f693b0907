/** The first retries, after the 1st, 2nd, 3rd and 4th failed attempt; then every RETRY_EVERY_MS. */
export const RETRY_DELAYS_MS: readonly number[] = [1_000, 5_000, 30_000, 120_000];
export const RETRY_EVERY_MS = 600_000;
/** No attempt starts later than this after the first one; the last failure is then recorded as given up. */
export const GIVE_UP_AFTER_MS = 24 * 3_600_000;

/**
 * When to try again after `failedAttempts` failures (the latest one at `now`), or null to give up: about 1 s,
 * 5 s, 30 s, 2 min, then every 10 min, for as long as the next attempt would start within 24 h of the first.
 */
export function nextAttemptAt(failedAttempts: number, firstAttemptAt: Date, now: Date): Date | null {
  if (!Number.isInteger(failedAttempts) || failedAttempts < 1) throw new Error(`failedAttempts must be a whole number ≥ 1, got ${failedAttempts}`);
  const delay = RETRY_DELAYS_MS[failedAttempts - 1] ?? RETRY_EVERY_MS;
  const next = now.getTime() + delay;
  return next - firstAttemptAt.getTime() > GIVE_UP_AFTER_MS ? null : new Date(next);
}
