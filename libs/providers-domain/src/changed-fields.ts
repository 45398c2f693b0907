/**
 * The subset of `requested` that differs from `current`. An update that repeats present values records
 * nothing, so history shows real changes only and replays stay idempotent.
 */
export function changedFields<T extends Record<string, unknown>>(current: T, requested: Partial<T>): Partial<T> {
  const changed: Partial<T> = {};
  for (const key of Object.keys(requested) as (keyof T)[]) {
    const value = requested[key];
    if (value !== undefined && value !== current[key]) changed[key] = value;
  }
  return changed;
}
