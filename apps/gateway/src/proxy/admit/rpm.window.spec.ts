import { admit, rpmWindow } from './rpm.window.js';

describe('RPM windows', () => {
  const minute = 29_000_000;
  const start = minute * 60_000;

  it('keys a call by provider and epoch minute', () => {
    expect(rpmWindow('provider_a', start).key).toBe(`provider_a.${minute}`);
    expect(rpmWindow('provider_a', start + 59_999).key).toBe(`provider_a.${minute}`);
    expect(rpmWindow('provider_a', start + 60_000).key).toBe(`provider_a.${minute + 1}`);
  });

  it('tells a refused client the seconds left until the next window, at least one', () => {
    expect(rpmWindow('p', start).retryAfterSeconds).toBe(60);
    expect(rpmWindow('p', start + 1).retryAfterSeconds).toBe(60);
    expect(rpmWindow('p', start + 30_500).retryAfterSeconds).toBe(30);
    expect(rpmWindow('p', start + 59_999).retryAfterSeconds).toBe(1);
  });

  it('admits the first callers of a batch up to the limit and counts only those', () => {
    expect(admit(0, 1, 10)).toEqual({ admitted: 1, next: 1 });
    expect(admit(8, 5, 10)).toEqual({ admitted: 2, next: 10 });
    expect(admit(10, 3, 10)).toEqual({ admitted: 0, next: 10 });
    expect(admit(12, 1, 10)).toEqual({ admitted: 0, next: 12 });
  });
});
