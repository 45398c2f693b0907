import { ok } from '@switchboard/contracts';
import { resolveProviderSettings } from './provider-settings.js';

describe('resolveProviderSettings', () => {
  it('fills the defaults of the type', () => {
    expect(resolveProviderSettings({ name: 'a', type: 'anthropic' })).toEqual(
      ok({
        name: 'a',
        type: 'anthropic',
        endpoint: 'https://api.anthropic.com/v1',
        protocol: 'anthropic_messages',
        authMethod: 'x_api_key',
        organizationId: null,
        defaultModel: null,
        rateLimitRpm: null,
        monthlyBudgetUsd: null,
      }),
    );
  });

  it('keeps what the body gave', () => {
    const settings = resolveProviderSettings({
      name: 'vllm',
      type: 'custom',
      endpoint: 'http://10.0.0.5:8000/v1',
      authMethod: 'custom_headers',
      defaultModel: 'llama',
      rateLimitRpm: 60,
      monthlyBudgetUsd: 25,
    });
    expect(settings).toMatchObject({
      ok: true,
      value: {
        endpoint: 'http://10.0.0.5:8000/v1',
        protocol: 'openai',
        authMethod: 'custom_headers',
        defaultModel: 'llama',
        rateLimitRpm: 60,
        monthlyBudgetUsd: 25,
      },
    });
  });

  it('refuses a custom provider without an endpoint, since it has no default one', () => {
    expect(resolveProviderSettings({ name: 'vllm', type: 'custom' })).toMatchObject({
      ok: false,
      error: { code: 'validation_failed' },
    });
  });
});
