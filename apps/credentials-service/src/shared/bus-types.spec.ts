import { busTypeOf } from './bus-types.js';

describe('busTypeOf', () => {
  it('maps the credentials events to their bus types', () => {
    expect(busTypeOf('SecretCreated')).toBe('secret.created');
    expect(busTypeOf('CredentialIssued')).toBe('credential.issued');
    expect(busTypeOf('CredentialDenied')).toBe('credential.denied');
  });

  it('refuses an event type the contracts do not define, rather than publish it under a made-up subject', () => {
    expect(() => busTypeOf('SecretLeaked')).toThrow(/no bus type/);
    expect(() => busTypeOf('toString')).toThrow(/no bus type/);
  });
});
