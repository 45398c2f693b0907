import { backoffDelay, LoopSleeper } from './background.loop.js';

describe('backoffDelay', () => {
  it('doubles from the base up to the cap, jittered within [half, full]', () => {
    const full = () => 1;
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, 100, 1_000, full))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    expect(backoffDelay(3, 100, 1_000, () => 0)).toBe(200);
  });

  it('treats zero failures like the first', () => {
    expect(backoffDelay(0, 100, 1_000, () => 1)).toBe(100);
  });
});

describe('LoopSleeper', () => {
  const elapsed = async (p: Promise<void>) => {
    const t = Date.now();
    await p;
    return Date.now() - t;
  };

  it('ends an interruptible sleep on notify', async () => {
    const s = new LoopSleeper();
    const sleeping = s.sleep(10_000);
    s.notify();
    expect(await elapsed(sleeping)).toBeLessThan(1_000);
  });

  it('remembers a notify that came while awake, unless cleared', async () => {
    const s = new LoopSleeper();
    s.notify();
    expect(await elapsed(s.sleep(10_000))).toBeLessThan(1_000);
    s.notify();
    s.clearPending();
    const sleeping = s.sleep(10_000);
    s.cancel();
    await sleeping;
  });

  it('once cancelled, does not sleep again until reset', async () => {
    const s = new LoopSleeper();
    s.cancel();
    expect(await elapsed(s.sleep(10_000, false))).toBeLessThan(1_000);
    s.reset();
    const sleeping = s.sleep(10_000);
    let done = false;
    void sleeping.then(() => (done = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toBe(false);
    s.cancel();
    await sleeping;
  });

  it('does not let notify cut a backoff short, but cancel ends it', async () => {
    const s = new LoopSleeper();
    let done = false;
    const sleeping = s.sleep(10_000, false).then(() => (done = true));
    s.notify();
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toBe(false);
    s.cancel();
    await sleeping;
    expect(done).toBe(true);
  });
});
