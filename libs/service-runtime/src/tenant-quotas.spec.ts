import { DEFAULT_QUOTAS } from '@switchboard/contracts';
import { quotasFromEnv, quotaVariable } from './tenant-quotas.js';

describe('quotasFromEnv', () => {
  it('takes the defaults for every variable left unset or blank', () => {
    expect(quotasFromEnv({})).toEqual(DEFAULT_QUOTAS);
    expect(quotasFromEnv({ SWITCHBOARD_QUOTA_PROVIDERS: '' })).toEqual(DEFAULT_QUOTAS);
  });

  it('replaces each kind by its own variable', () => {
    expect(quotasFromEnv({ SWITCHBOARD_QUOTA_PROVIDERS: '5', SWITCHBOARD_QUOTA_SECRETS: '0', SWITCHBOARD_QUOTA_MODELS: '1000000' })).toEqual({
      ...DEFAULT_QUOTAS,
      providers: 5,
      secrets: 0,
      models: 1_000_000,
    });
    expect(quotaVariable('recipients')).toBe('SWITCHBOARD_QUOTA_RECIPIENTS');
  });

  it('refuses a bad value, naming every bad variable', () => {
    expect(() => quotasFromEnv({ SWITCHBOARD_QUOTA_AGENTS: '-1', SWITCHBOARD_QUOTA_KEYS: '1e3', SWITCHBOARD_QUOTA_MODELS: '2000000' })).toThrow(
      'invalid quota configuration: SWITCHBOARD_QUOTA_MODELS must be at most 1000000; SWITCHBOARD_QUOTA_AGENTS must be a whole number from 0 to 1000000; SWITCHBOARD_QUOTA_KEYS must be a whole number from 0 to 1000000',
    );
  });
});
