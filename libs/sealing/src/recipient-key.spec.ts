import { generateRecipientKeyPair, parseRecipientPublicKey } from './recipient-key.js';

const refusal = (b64: string): string | null => {
  const result = parseRecipientPublicKey(b64);
  return result.ok ? null : result.error.message;
};

describe('recipient keys', () => {
  it('generates raw 32-byte keys as standard padded base64', () => {
    const pair = generateRecipientKeyPair();
    expect(Buffer.from(pair.publicKey, 'base64')).toHaveLength(32);
    expect(Buffer.from(pair.privateKey, 'base64')).toHaveLength(32);
    expect(pair.publicKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(parseRecipientPublicKey(pair.publicKey)).toEqual({ ok: true, value: Buffer.from(pair.publicKey, 'base64') });
  });

  it('accepts the RFC 7748 test public key', () => {
    const bob = Buffer.from('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f', 'hex').toString('base64');
    expect(refusal(bob)).toBeNull();
  });

  it('refuses the wrong length', () => {
    expect(refusal(Buffer.alloc(31, 9).toString('base64'))).toMatch(/32 bytes, got 31/);
    expect(refusal(Buffer.alloc(33, 9).toString('base64'))).toMatch(/32 bytes, got 33/);
    expect(refusal('')).toMatch(/base64/);
  });

  it('refuses non-canonical base64', () => {
    const key = generateRecipientKeyPair().publicKey;
    expect(refusal(key.replace(/=$/, ''))).toMatch(/base64/);
    expect(refusal(` ${key}`)).toMatch(/base64/);
    expect(refusal(Buffer.from(key, 'base64').toString('base64url'))).not.toBeNull();
  });

  it('refuses the all-zero key and other small-order points', () => {
    expect(refusal(Buffer.alloc(32).toString('base64'))).toMatch(/all zero/);
    const one = Buffer.alloc(32);
    one[0] = 1;
    expect(refusal(one.toString('base64'))).toMatch(/small-order/);
    const orderEight = Buffer.from('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', 'hex');
    expect(refusal(orderEight.toString('base64'))).toMatch(/small-order/);
  });

  it('refuses u-coordinates that are not reduced modulo 2^255 - 19', () => {
    const prime = Buffer.from('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 'hex');
    expect(refusal(prime.toString('base64'))).toMatch(/canonical/);
    const highBit = Buffer.from(generateRecipientKeyPair().publicKey, 'base64');
    highBit[31] |= 0x80;
    expect(refusal(highBit.toString('base64'))).toMatch(/canonical/);
  });
});
