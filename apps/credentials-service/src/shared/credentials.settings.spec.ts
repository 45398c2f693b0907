import { settingsFromEnv } from './credentials.settings.js';

describe('settingsFromEnv', () => {
  it('defaults to the local gateway and one day', () => {
    expect(settingsFromEnv({})).toEqual({ publicUrl: 'http://127.0.0.1:8080', credentialTtlSeconds: 86_400 });
    expect(settingsFromEnv({ SWITCHBOARD_PUBLIC_URL: ' ', SWITCHBOARD_CREDENTIAL_TTL_SECONDS: '' })).toEqual({
      publicUrl: 'http://127.0.0.1:8080',
      credentialTtlSeconds: 86_400,
    });
  });

  it('reads both variables and drops a trailing slash', () => {
    expect(settingsFromEnv({ SWITCHBOARD_PUBLIC_URL: 'https://switchboard.example.com/', SWITCHBOARD_CREDENTIAL_TTL_SECONDS: '3600' })).toEqual({
      publicUrl: 'https://switchboard.example.com',
      credentialTtlSeconds: 3600,
    });
  });

  it.each([
    [{ SWITCHBOARD_PUBLIC_URL: 'ftp://x' }, /SWITCHBOARD_PUBLIC_URL/],
    [{ SWITCHBOARD_CREDENTIAL_TTL_SECONDS: '10' }, /SWITCHBOARD_CREDENTIAL_TTL_SECONDS/],
    [{ SWITCHBOARD_CREDENTIAL_TTL_SECONDS: 'a day' }, /SWITCHBOARD_CREDENTIAL_TTL_SECONDS/],
  ])('refuses %j', (env, message) => {
    expect(() => settingsFromEnv(env)).toThrow(message);
  });
});
