import { clientProtocolForRoute, modelsListBody, modelsListProtocol } from './protocol.registry.js';
import { needsTranslation, upstreamDialect } from './translate/translate.types.js';

describe('protocol registry', () => {
  it('speaks to each provider in its own dialect, translating only across families', () => {
    expect(upstreamDialect('openai_chat', 'openai')).toBe('openai_chat');
    expect(upstreamDialect('openai_responses', 'openai')).toBe('openai_responses');
    expect(upstreamDialect('anthropic_messages', 'anthropic_messages')).toBe('anthropic_messages');
    expect(upstreamDialect('openai_chat', 'anthropic_messages')).toBe('anthropic_messages');
    expect(upstreamDialect('openai_responses', 'anthropic_messages')).toBe('anthropic_messages');
    expect(upstreamDialect('anthropic_messages', 'openai')).toBe('openai_chat');
    expect([needsTranslation('openai_chat', 'openai'), needsTranslation('openai_responses', 'anthropic_messages'), needsTranslation('anthropic_messages', 'openai')]).toEqual([false, true, true]);
  });

  it('knows the protocol of each proxy route', () => {
    expect(clientProtocolForRoute('/v1/chat/completions')).toBe('openai_chat');
    expect(clientProtocolForRoute('/v1/responses')).toBe('openai_responses');
    expect(clientProtocolForRoute('/v1/messages')).toBe('anthropic_messages');
    expect(clientProtocolForRoute('/v1/completions')).toBeNull();
  });

  it('tells Anthropic clients of /v1/models by their anthropic-version header', () => {
    expect(modelsListProtocol('2023-06-01')).toBe('anthropic_messages');
    expect(modelsListProtocol(undefined)).toBe('openai_chat');
  });

  const models = [
    { id: 'gpt-fast', createdAt: '2026-01-02T03:04:05.000Z' },
    { id: 'claude-smart', createdAt: '2026-02-01T00:00:00.000Z', displayName: 'Claude Smart' },
  ];

  it('lists models in the OpenAI shape', () => {
    expect(modelsListBody('openai_chat', models)).toEqual({
      object: 'list',
      data: [
        { id: 'gpt-fast', object: 'model', created: 1767323045, owned_by: 'switchboard' },
        { id: 'claude-smart', object: 'model', created: 1769904000, owned_by: 'switchboard' },
      ],
    });
    expect(modelsListBody('openai_responses', models)).toEqual(modelsListBody('openai_chat', models));
  });

  it('lists models in the Anthropic shape, with paging fields', () => {
    expect(modelsListBody('anthropic_messages', models)).toEqual({
      data: [
        { type: 'model', id: 'gpt-fast', display_name: 'gpt-fast', created_at: '2026-01-02T03:04:05.000Z' },
        { type: 'model', id: 'claude-smart', display_name: 'Claude Smart', created_at: '2026-02-01T00:00:00.000Z' },
      ],
      has_more: false,
      first_id: 'gpt-fast',
      last_id: 'claude-smart',
    });
    expect(modelsListBody('anthropic_messages', [])).toEqual({ data: [], has_more: false, first_id: null, last_id: null });
  });
});
