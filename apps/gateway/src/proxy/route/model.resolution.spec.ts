import type { AgentRoute } from '@switchboard/contracts';
import { findModel, modelListings, resolveModel, upstreamUrl } from './model.resolution.js';

const model = (name: string, upstreamModel: string, prices: [number, number] | null = null) => ({
  id: `mdl_${name}`,
  name,
  upstreamModel,
  price:
    prices === null
      ? null
      : { inputUsdPerMTok: prices[0], outputUsdPerMTok: prices[1], cachedInputUsdPerMTok: prices[0], source: 'override' as const, catalogModel: null },
  createdAt: '2026-01-01T00:00:00.000Z',
});

const route = (
  protocol: AgentRoute['provider']['protocol'],
  endpoint = 'https://api.example.com/v1',
  unpricedModels: AgentRoute['tenant']['unpricedModels'] = 'allow',
): AgentRoute => ({
  tenantId: 'ten_1',
  agent: { id: 'agt_1', name: 'a', model: null, delivery: 'proxy', monthlyBudgetUsd: null },
  provider: {
    id: 'prv_1',
    type: 'custom',
    protocol,
    endpoint,
    authMethod: 'bearer',
    organizationId: null,
    defaultModel: null,
    rateLimitRpm: null,
    monthlyBudgetUsd: null,
    secretId: null,
    credentialStatus: { state: 'unchecked', checkedAt: null, detail: null },
  },
  models: [model('fast', 'gpt-4o-mini', [0.15, 0.6]), model('smart', 'gpt-4o'), model('gpt-4o', 'gpt-4o-2024-08-06')],
  tenant: { unpricedModels, serverHistoryTokens: null, serverToolCallUsd: null },
});

describe('model resolution', () => {
  it('finds a model by its name first, then by its upstream name', () => {
    expect(findModel(route('openai'), 'fast')?.upstreamModel).toBe('gpt-4o-mini');
    expect(findModel(route('openai'), 'gpt-4o-mini')?.name).toBe('fast');
    expect(findModel(route('openai'), 'gpt-4o')?.name).toBe('gpt-4o');
    expect(findModel(route('openai'), 'unknown')).toBeNull();
  });

  it('builds the upstream URL from the endpoint and the protocol path', () => {
    expect(resolveModel(route('openai'), 'openai_chat', 'fast')).toMatchObject({ ok: true, url: 'https://api.example.com/v1/chat/completions' });
    expect(resolveModel(route('openai', 'http://10.0.0.5:8000/v1/'), 'openai_responses', 'fast')).toMatchObject({ url: 'http://10.0.0.5:8000/v1/responses' });
    expect(resolveModel(route('anthropic_messages'), 'anthropic_messages', 'fast')).toMatchObject({ url: 'https://api.example.com/v1/messages' });
    expect(upstreamUrl('https://x/v1', '/models')).toBe('https://x/v1/models');
  });

  it.each([
    ['https://x/v1', '/models', 'https://x/v1/models'],
    ['https://x/v1/', '/models', 'https://x/v1/models'],
    ['https://x', '/chat/completions', 'https://x/chat/completions'],
    ['https://x/', '/chat/completions', 'https://x/chat/completions'],
    ['http://10.0.0.5:8000/team-a/openai/v1', '/chat/completions', 'http://10.0.0.5:8000/team-a/openai/v1/chat/completions'],
    ['http://10.0.0.5:8000/team-a/openai/v1/', '/responses', 'http://10.0.0.5:8000/team-a/openai/v1/responses'],
    // Stored before queries and fragments were refused: they are dropped rather than left to swallow the path.
    ['http://10.0.0.5/admin/users?x=', '/chat/completions', 'http://10.0.0.5/admin/users/chat/completions'],
    ['http://10.0.0.5/v1#x', '/models', 'http://10.0.0.5/v1/models'],
  ])('appends to %s the path %s, keeping its base path', (endpoint, path, url) => {
    expect(upstreamUrl(endpoint, path)).toBe(url);
  });

  it('builds each endpoint and path once and keeps them apart when asked again', () => {
    const pairs: Array<[string, string, string]> = [
      ['https://x/v1', '/models', 'https://x/v1/models'],
      ['https://x/v1', '/chat/completions', 'https://x/v1/chat/completions'],
      ['https://y/v1', '/models', 'https://y/v1/models'],
    ];
    for (let round = 0; round < 2; round++) for (const [endpoint, path, url] of pairs) expect(upstreamUrl(endpoint, path)).toBe(url);
  });

  it('refuses an unknown model with 404', () => {
    expect(resolveModel(route('openai'), 'openai_chat', 'nope')).toMatchObject({ ok: false, kind: 'model_not_found' });
  });

  it("sends a client of the other protocol family to the provider's own path, in its dialect", () => {
    expect(resolveModel(route('openai'), 'anthropic_messages', 'fast')).toMatchObject({
      ok: true,
      url: 'https://api.example.com/v1/chat/completions',
      dialect: 'openai_chat',
    });
    expect(resolveModel(route('anthropic_messages'), 'openai_chat', 'fast')).toMatchObject({ ok: true, url: 'https://api.example.com/v1/messages', dialect: 'anthropic_messages' });
    expect(resolveModel(route('anthropic_messages'), 'openai_responses', 'fast')).toMatchObject({ url: 'https://api.example.com/v1/messages', dialect: 'anthropic_messages' });
    expect(resolveModel(route('openai'), 'openai_responses', 'fast')).toMatchObject({ url: 'https://api.example.com/v1/responses', dialect: 'openai_responses' });
  });

  it('lists models by name', () => {
    expect(modelListings(route('openai')).map((m) => m.id)).toEqual(['fast', 'smart', 'gpt-4o']);
  });

  it('refuses an unpriced model only when the tenant refuses those, naming the model and the fix', () => {
    expect(resolveModel(route('openai'), 'openai_chat', 'smart')).toMatchObject({ ok: true });
    const refusing = route('openai', undefined, 'refuse');
    expect(resolveModel(refusing, 'openai_chat', 'fast')).toMatchObject({ ok: true });
    expect(resolveModel(refusing, 'openai_chat', 'smart')).toEqual({
      ok: false,
      kind: 'permission_denied',
      message: expect.stringMatching(/smart has no known price.*set inputUsdPerMTok and outputUsdPerMTok on the model/),
    });
  });
});
