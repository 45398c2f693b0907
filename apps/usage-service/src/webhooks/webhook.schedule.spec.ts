import { GIVE_UP_AFTER_MS, nextAttemptAt } from './webhook.schedule.js';

describe('webhook retry schedule', () => {
  const first = new Date('2026-01-01T00:00:00.000Z');
  const after = (ms: number) => new Date(first.getTime() + ms);

  it('waits about 1 s, 5 s, 30 s and 2 min after the first four failures', () => {
    let now = first;
    const gaps: number[] = [];
    for (let failed = 1; failed <= 4; failed += 1) {
      const next = nextAttemptAt(failed, first, now);
      expect(next).not.toBeNull();
      gaps.push((next as Date).getTime() - now.getTime());
      now = next as Date;
    }
    expect(gaps).toEqual([1_000, 5_000, 30_000, 120_000]);
  });

  it('then retries every 10 minutes', () => {
    expect(nextAttemptAt(5, first, after(156_000))?.getTime()).toBe(after(756_000).getTime());
    expect(nextAttemptAt(40, first, after(10 * 3_600_000))?.getTime()).toBe(after(10 * 3_600_000 + 600_000).getTime());
  });

  it('gives up once the next attempt would start more than 24 h after the first', () => {
    expect(nextAttemptAt(100, first, after(GIVE_UP_AFTER_MS - 600_000))?.getTime()).toBe(after(GIVE_UP_AFTER_MS).getTime());
    expect(nextAttemptAt(101, first, after(GIVE_UP_AFTER_MS - 599_999))).toBeNull();
    expect(nextAttemptAt(150, first, after(GIVE_UP_AFTER_MS + 1))).toBeNull();
  });

  it('makes 148 attempts over the 24 h when the receiver never answers', () => {
    let now = first;
    let attempts = 1;
    for (;;) {
      const next = nextAttemptAt(attempts, first, now);
      if (next === null) break;
      now = next;
      attempts += 1;
    }
    // The first attempt, 4 early retries (the last at 156 s), then 143 ten minutes apart before 24 h.
    expect(attempts).toBe(148);
    expect(now.getTime() - first.getTime()).toBeLessThanOrEqual(GIVE_UP_AFTER_MS);
  });

  it('refuses a count that is not a failure count', () => {
    expect(() => nextAttemptAt(0, first, first)).toThrow();
  });
});
