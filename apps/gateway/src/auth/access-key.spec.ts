import { createHash } from 'node:crypto';
import { ACCESS_KEY_PATTERN, bearerKey, generateAccessKey, hashAccessKey, sameKeyHash } from './access-key.js';

describe('access keys', () => {
  it('are sbk_ + base64url of 32 random bytes', () => {
    const key = generateAccessKey();
    expect(key).toMatch(ACCESS_KEY_PATTERN);
    expect(Buffer.from(key.slice(4), 'base64url')).toHaveLength(32);
    expect(generateAccessKey()).not.toBe(key);
  });

  it('are stored as hex SHA-256', () => {
    const key = generateAccessKey();
    expect(hashAccessKey(key)).toBe(createHash('sha256').update(key).digest('hex'));
    expect(hashAccessKey(key)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('compares hashes without short-circuiting on length or content', () => {
    const a = hashAccessKey('a');
    expect(sameKeyHash(a, hashAccessKey('a'))).toBe(true);
    expect(sameKeyHash(a, hashAccessKey('b'))).toBe(false);
    expect(sameKeyHash(a, 'abcd')).toBe(false);
    expect(sameKeyHash('', '')).toBe(false);
  });

  it.each([
    ['Bearer sbk_abc', 'sbk_abc'],
    ['bearer   sbk_abc ', 'sbk_abc'],
    ['Basic c2JrOmFiYw==', null],
    ['Bearer', null],
    ['Bearer a b', null],
    ['sbk_abc', null],
  ])('reads the key from Authorization %j', (header, expected) => {
    expect(bearerKey(header)).toBe(expected);
  });

  it('ignores a missing or repeated Authorization header', () => {
    expect(bearerKey(undefined)).toBeNull();
    expect(bearerKey(['Bearer a', 'Bearer b'])).toBeNull();
    expect(bearerKey(`Bearer ${'x'.repeat(513)}`)).toBeNull();
  });
});
