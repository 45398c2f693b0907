import { CounterConflict, CountersLeaderless, RateLimitUnavailable, type CounterState, type RpmCounters } from './rpm.counters.js';
import { RpmLimiter, type RpmVerdict } from './rpm.limiter.js';

/** Counters in memory with the bucket's compare-and-set; `outage` makes every call answer as a leaderless stream would. */
class MemoryCounters implements RpmCounters {
  readonly entries = new Map<string, CounterState>();
  writes = 0;
  /** Attempts to count (each starts with ready()). */
  attempts = 0;
  private seq = 0;
  /** Calls left to fail as leaderless (Infinity: until changed). */
  outage = 0;
  /** Fails every call with this (a dependency that is simply down). */
  down: Error | null = null;

  async ready(): Promise<void> {
    this.attempts++;
    this.fail();
  }

  async read(key: string): Promise<CounterState> {
    this.fail();
    return this.entries.get(key) ?? { rev: 0, count: 0 };
  }

  async write(key: string, count: number, rev: number): Promise<number> {
    this.fail();
    this.writes++;
    if ((this.entries.get(key)?.rev ?? 0) !== rev) throw new CounterConflict('wrong last sequence');
    this.entries.set(key, { rev: ++this.seq, count });
    return this.seq;
  }

  private fail(): void {
    if (this.down !== null) throw this.down;
    if (this.outage > 0) {
      this.outage--;
      throw new CountersLeaderless('no responders available for request');
    }
  }
}

const T0 = Date.UTC(2026, 0, 1, 12, 0, 10);
const allowed = (verdicts: readonly RpmVerdict[]) => verdicts.filter((v) => v.allowed).length;
const checks = (limiter: RpmLimiter, n: number, limit: number) => Promise.all(Array.from({ length: n }, () => limiter.check('prv_1', limit)));

describe('RpmLimiter', () => {
  it('admits exactly the limit in a window and refuses the rest with the seconds left in the minute', async () => {
    const limiter = new RpmLimiter({ counters: new MemoryCounters(), now: () => T0 });
    const verdicts = await checks(limiter, 8, 5);
    expect(allowed(verdicts)).toBe(5);
    expect(verdicts.slice(5)).toEqual(Array(3).fill({ allowed: false, retryAfterSeconds: 50 }));
  });

  it('counts a burst with one write per batch, not one per call', async () => {
    const counters = new MemoryCounters();
    const limiter = new RpmLimiter({ counters, now: () => T0 });
    await checks(limiter, 50, 100);
    // The first call writes alone; the 49 that queued behind it share the next write.
    expect(counters.writes).toBe(2);
    expect(counters.entries.get(`prv_1.${Math.floor(T0 / 60_000)}`)?.count).toBe(50);
  });

  it('far from the limit, counts a block ahead and admits from it without a write', async () => {
    const counters = new MemoryCounters();
    const limiter = new RpmLimiter({ counters, now: () => T0 });
    await limiter.check('prv_1', 1_000_000);
    const writes = counters.writes;
    expect(allowed(await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map(() => limiter.check('prv_1', 1_000_000))))).toBe(8);
    expect(counters.writes).toBe(writes);
  });

  it('holds the limit exactly across replicas sharing the counters (k of N)', async () => {
    const counters = new MemoryCounters();
    const a = new RpmLimiter({ counters, now: () => T0 });
    const b = new RpmLimiter({ counters, now: () => T0 });
    const verdicts = (await Promise.all([checks(a, 30, 40), checks(b, 30, 40), checks(a, 10, 40)])).flat();
    expect(allowed(verdicts)).toBe(40);
  });

  it('starts a new count in the next minute', async () => {
    let now = T0;
    const limiter = new RpmLimiter({ counters: new MemoryCounters(), now: () => now });
    expect(allowed(await checks(limiter, 3, 2))).toBe(2);
    now += 60_000;
    expect(allowed(await checks(limiter, 3, 2))).toBe(2);
  });

  it('waits out a leader election of the counters stream and then counts the call', async () => {
    const counters = new MemoryCounters();
    counters.outage = 3;
    const limiter = new RpmLimiter({ counters, electionWaitMs: 5_000, now: () => T0 });
    const started = Date.now();
    await expect(limiter.check('prv_1', 10)).resolves.toEqual({ allowed: true });
    // Three pauses (50, 100, 200 ms) before the stream answered again: four attempts, the last one counted.
    expect(Date.now() - started).toBeGreaterThanOrEqual(340);
    expect(counters.attempts).toBe(4);
    expect(counters.outage).toBe(0);
  });

  it('refuses with RateLimitUnavailable once the configured election wait is over, never admitting uncounted', async () => {
    const counters = new MemoryCounters();
    counters.outage = Infinity;
    const limiter = new RpmLimiter({ counters, electionWaitMs: 200, now: () => T0 });
    await expect(limiter.check('prv_1', 10)).rejects.toBeInstanceOf(RateLimitUnavailable);
    // Pauses of 50 and 100 ms fit in 200 ms, a third would not: at most three attempts, then the refusal.
    expect(counters.attempts).toBeLessThanOrEqual(3);
    expect(counters.writes).toBe(0);
  });

  it('with an election wait of 0, refuses at once', async () => {
    const counters = new MemoryCounters();
    counters.outage = 1;
    const limiter = new RpmLimiter({ counters, electionWaitMs: 0, now: () => T0 });
    await expect(limiter.check('prv_1', 10)).rejects.toMatchObject({ code: 'rate_limiter_unavailable' });
    expect(counters.attempts).toBe(1);
  });

  it('does not wait when the counters are down for another reason (NATS not connected)', async () => {
    const counters = new MemoryCounters();
    counters.down = new RateLimitUnavailable('rate limiter unavailable: NATS is not connected');
    const limiter = new RpmLimiter({ counters, electionWaitMs: 10_000, now: () => T0 });
    await expect(limiter.check('prv_1', 10)).rejects.toThrow('NATS is not connected');
    expect(counters.attempts).toBe(1);
  });

  it('re-reads after losing a compare-and-set to another writer, and counts on top of it', async () => {
    const counters = new MemoryCounters();
    const key = `prv_1.${Math.floor(T0 / 60_000)}`;
    const limiter = new RpmLimiter({ counters, now: () => T0 });
    counters.entries.set(key, { rev: 99, count: 4 });
    expect(allowed(await checks(limiter, 3, 5))).toBe(1);
    expect(counters.entries.get(key)?.count).toBe(5);
  });
});
