import { RaisedAlerts } from './unpriced-model.alert.js';

describe('RaisedAlerts.once', () => {
  it('lets the first of concurrent callers raise, and the others wait for it', async () => {
    const known = new RaisedAlerts();
    const raised: string[] = [];
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const raise = (who: string) => async () => {
      raised.push(who);
      await gate;
      return true;
    };
    const results = Promise.all([known.once('t', 'k', raise('first')), known.once('t', 'k', raise('second')), known.once('t', 'other', raise('third'))]);
    release();
    expect(await results).toEqual([true, false, true]);
    expect(raised).toEqual(['first', 'third']);
    expect(await known.once('t', 'k', raise('later'))).toBe(false);
    expect(raised).toEqual(['first', 'third']);
  });

  it('lets a waiting caller try again when the raise it waited for failed', async () => {
    const known = new RaisedAlerts();
    const failing = known.once('t', 'k', () => Promise.reject(new Error('database gone')));
    const waiting = known.once('t', 'k', () => Promise.resolve(true));
    await expect(failing).rejects.toThrow('database gone');
    expect(await waiting).toBe(true);
  });

  it('forgets everything when full, which only costs a raise attempt again', async () => {
    const known = new RaisedAlerts(1);
    let attempts = 0;
    const raise = () => {
      attempts += 1;
      return Promise.resolve(false);
    };
    await known.once('t', 'a', raise);
    await known.once('t', 'b', raise);
    await known.once('t', 'a', raise);
    expect(attempts).toBe(3);
  });
});
