import { canonicalContext } from './canonical-context.js';

describe('canonicalContext', () => {
  it('length-prefixes keys and values so no two contexts share bytes', () => {
    expect(canonicalContext({ a: 'bc' })).not.toEqual(canonicalContext({ ab: 'c' }));
    expect(canonicalContext({ a: '' })).not.toEqual(canonicalContext({}));
    expect(canonicalContext({ a: 'b', c: 'd' })).not.toEqual(canonicalContext({ a: 'b\u0000\u0000\u0000\u0001cd' }));
  });

  it('is the pair count then sorted (u32 length, UTF-8 bytes) pairs, big-endian', () => {
    expect(canonicalContext({ b: '2', a: '1' }).toString('hex')).toBe(
      ['00000002', '00000001', '61', '00000001', '31', '00000001', '62', '00000001', '32'].join(''),
    );
    expect(canonicalContext({}).toString('hex')).toBe('00000000');
  });

  it('does not depend on property order', () => {
    expect(canonicalContext({ tenantId: 't', secretId: 's', version: '1' })).toEqual(canonicalContext({ version: '1', secretId: 's', tenantId: 't' }));
  });

  it('sorts by UTF-8 bytes, not UTF-16 code units', () => {
    // U+FF61 is EF BD A1 in UTF-8 but 0xFF61 in UTF-16; U+1F600 is F0 9F 98 80 but 0xD83D first in UTF-16.
    const bytes = canonicalContext({ '\u{1F600}': 'x', '\uFF61': 'y' });
    expect(bytes.subarray(8, 11).toString('utf8')).toBe('\uFF61');
  });

  it('counts lengths in bytes, not characters', () => {
    expect(canonicalContext({ é: 'ü' }).toString('hex')).toBe('00000001' + '00000002' + 'c3a9' + '00000002' + 'c3bc');
  });

  it('refuses non-string values that slipped past the type', () => {
    expect(() => canonicalContext({ version: 1 } as unknown as Record<string, string>)).toThrow(TypeError);
  });
});
