import { randomBytes } from 'node:crypto';
import { fingerprintOf, hintOf } from './secret.display.js';

describe('fingerprintOf', () => {
  const key = randomBytes(32);

  it('is stable for a value and key, and differs across values and keys', () => {
    const value = Buffer.from('sk-abcdefghijklmnopqrstuvwxyz');
    expect(fingerprintOf(value, key)).toBe(fingerprintOf(Buffer.from(value), key));
    expect(fingerprintOf(value, key)).toMatch(/^hmac-sha256:[0-9a-f]{16}$/);
    expect(fingerprintOf(Buffer.from('sk-abcdefghijklmnopqrstuvwxyZ'), key)).not.toBe(fingerprintOf(value, key));
    expect(fingerprintOf(value, randomBytes(32))).not.toBe(fingerprintOf(value, key));
  });

  it('refuses a short key', () => {
    expect(() => fingerprintOf(Buffer.from('x'), randomBytes(16))).toThrow(/32 bytes/);
  });
});

describe('hintOf', () => {
  it('shows a known prefix and the last 4 characters of a long key', () => {
    expect(hintOf(`sk-${'a'.repeat(44)}f9Qa`)).toBe('sk-…f9Qa');
    expect(hintOf(`sk-ant-api03-${'b'.repeat(80)}ZZZZ`)).toBe('sk-…ZZZZ');
  });

  it('drops the prefix when prefix and tail would reveal more than 30 %', () => {
    expect(hintOf('sk-abcdefghij1234')).toBe('…1234');
    expect(hintOf('sk-abcdefghijklmnopq1234')).toBe('sk-…1234');
  });

  it('drops a prefix that is long or not a word', () => {
    expect(hintOf(`verylongprefix-${'c'.repeat(60)}WXYZ`)).toBe('…WXYZ');
    expect(hintOf(`a b-${'c'.repeat(60)}WXYZ`)).toBe('…WXYZ');
  });

  it('reveals nothing of short values and at most 30 % of mid-length ones', () => {
    expect(hintOf('')).toBe('…');
    expect(hintOf('abcdefghijk')).toBe('…');
    expect(hintOf('abcdefghijkl')).toBe('…jkl');
    expect(hintOf('abcdefghijklmn')).toBe('…klmn');
  });

  it('never reveals more than 30 % or more than 4 trailing characters', () => {
    for (let length = 0; length < 120; length += 1) {
      const value = `sk-${'x'.repeat(Math.max(0, length - 3))}`.slice(0, length);
      const hint = hintOf(value);
      const revealed = hint.length - 1;
      expect(revealed).toBeLessThanOrEqual(Math.floor(length * 0.3));
      expect(hint.split('…')[1].length).toBeLessThanOrEqual(4);
    }
  });

  it('does not split a surrogate pair', () => {
    expect(hintOf(`${'a'.repeat(20)}😀bcd`)).toBe('…😀bcd');
  });
});
