import { BackgroundLoop, backoffDelay, LoopSleeper, type BackgroundWork } from './background.loop.js';

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

describe('BackgroundLoop', () => {
  const until = async (condition: () => boolean) => {
    for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
    expect(condition()).toBe(true);
  };

  it('goes again at once while passes report more work, then sleeps until notified', async () => {
    let passes = 0;
    const loop = new BackgroundLoop({ pass: async () => ++passes < 3, onFailure: () => undefined }, { pollMs: 10_000 });
    loop.start();
    await until(() => passes === 3);
    loop.notify();
    await until(() => passes === 4);
    const t = Date.now();
    await loop.stop();
    expect(Date.now() - t).toBeLessThan(1_000);
  });

  it('backs off after failures, counting them until a pass succeeds', async () => {
    const reported: [string, number][] = [];
    let passes = 0;
    const work: BackgroundWork = {
      pass: async () => {
        passes++;
        if (passes <= 2) throw new Error(`boom ${passes}`);
        return false;
      },
      onFailure: (err, failures, retryInMs) => {
        reported.push([(err as Error).message, failures]);
        expect(retryInMs).toBeGreaterThanOrEqual(5 * 2 ** (failures - 1) * 0.5);
      },
    };
    const loop = new BackgroundLoop(work, { pollMs: 10_000, backoffBaseMs: 5, backoffMaxMs: 20 });
    loop.start();
    await until(() => passes === 3);
    expect(reported).toEqual([
      ['boom 1', 1],
      ['boom 2', 2],
    ]);
    await loop.stop();
  });

  it('runs beforePass ahead of each pass and afterLoop once stopped; start after stop runs again', async () => {
    const calls: string[] = [];
    const loop = new BackgroundLoop(
      {
        beforePass: async () => void calls.push('before'),
        pass: async () => (calls.push('pass'), false),
        onFailure: () => undefined,
        afterLoop: async () => void calls.push('after'),
      },
      { pollMs: 10_000 },
    );
    loop.start();
    loop.start();
    await until(() => calls.includes('pass'));
    expect(loop.isStopping).toBe(false);
    const stopping = loop.stop();
    expect(loop.isStopping).toBe(true);
    await stopping;
    expect(calls).toEqual(['before', 'pass', 'after']);
    loop.start();
    await until(() => calls.length === 5);
    await loop.stop();
    expect(calls.slice(3)).toEqual(['before', 'pass', 'after']);
  });
});
