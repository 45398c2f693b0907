import { busTypeOf } from './bus-types.js';

describe('busTypeOf', () => {
  it('maps domain event types to bus types', () => {
    expect(busTypeOf('ProviderRegistered')).toBe('provider.registered');
    expect(busTypeOf('KeyRevoked')).toBe('key.revoked');
  });

  it('refuses an event type the contracts do not define, rather than publish it under a made-up subject', () => {
    expect(() => busTypeOf('ProviderExploded')).toThrow(/no bus type/);
    expect(() => busTypeOf('toString')).toThrow(/no bus type/);
  });
});
