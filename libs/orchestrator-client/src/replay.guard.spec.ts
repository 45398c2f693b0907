import { ReplayGuard } from './replay.guard.js';

describe('ReplayGuard', () => {
  it('remembers ids and forgets the oldest beyond its capacity', () => {
    const guard = new ReplayGuard(2);
    guard.remember('a');
    guard.remember('b');
    expect(guard.seen('a')).toBe(true);
    guard.remember('a');
    guard.remember('c');
    expect(guard.seen('b')).toBe(false);
    expect(guard.seen('x', 'a')).toBe(true);
    expect(guard.seen('c')).toBe(true);
  });
});
