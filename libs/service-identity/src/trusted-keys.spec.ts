import { generateServiceKeyPair, keyIdOf } from './ed25519.js';
import { TrustedKeys } from './trusted-keys.js';

describe('TrustedKeys', () => {
  const a = generateServiceKeyPair();
  const b = generateServiceKeyPair();

  it('lists each service its keys (two during a rotation), found by key id', () => {
    const trusted = TrustedKeys.parse({ credentials: [a.publicKey, b.publicKey], gateway: [b.publicKey] });
    expect(trusted.keysOf('credentials').map((k) => k.keyId)).toEqual([a.keyId, b.keyId]);
    expect(trusted.find('credentials', a.keyId)?.publicKey).toBe(a.publicKey);
    expect(trusted.find('gateway', a.keyId)).toBeUndefined();
    expect(trusted.keysOf('usage')).toEqual([]);
    expect(keyIdOf(a.publicKey)).toBe(a.keyId);
  });

  it.each([
    ['not an object', ['x'], /JSON object/],
    ['an unknown service', { billing: [a.publicKey] }, /unknown service "billing"/],
    ['an empty list', { gateway: [] }, /1 to 4/],
    ['too many keys', { gateway: [1, 2, 3, 4, 5].map(() => generateServiceKeyPair().publicKey) }, /1 to 4/],
    ['a key that is not 32 bytes', { gateway: ['c2hvcnQ='] }, /gateway\[0\]/],
    ['unpadded base64', { gateway: [a.publicKey.replace(/=$/, '')] }, /gateway\[0\]/],
  ])('refuses %s', (_what, value, message) => {
    expect(() => TrustedKeys.parse(value)).toThrow(message);
  });
});
