import { GEN_AI, genAiOutcomeAttributes, genAiRequestAttributes, providerNameOf } from './genai.span.js';

describe('GenAI span attributes', () => {
  it('maps each route to the chat operation and the provider names the conventions define', () => {
    expect(genAiRequestAttributes({ protocol: 'openai_chat', providerProtocol: 'openai', upstreamModel: 'gpt-4o', url: 'https://api.openai.com/v1/chat/completions' })).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'openai.api.type': 'chat_completions',
      'server.address': 'api.openai.com',
      'server.port': 443,
    });
    expect(genAiRequestAttributes({ protocol: 'openai_responses', providerProtocol: 'openai', upstreamModel: 'o4', url: 'http://127.0.0.1:4010/v1/responses' })).toMatchObject({
      [GEN_AI.operationName]: 'chat',
      [GEN_AI.openAiApiType]: 'responses',
      [GEN_AI.serverAddress]: '127.0.0.1',
      [GEN_AI.serverPort]: 4010,
    });
    const anthropic = genAiRequestAttributes({ protocol: 'anthropic_messages', providerProtocol: 'anthropic_messages', upstreamModel: 'claude-x', url: 'http://[::1]:8000/v1/messages' });
    expect(anthropic).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-x',
      'server.address': '::1',
      'server.port': 8000,
    });
    expect(providerNameOf('openai')).toBe('openai');
  });

  it('carries the usage event figures and their source, and the error kind, never content', () => {
    expect(genAiOutcomeAttributes({ responseModel: 'gpt-4o-2024', inputTokens: 12, outputTokens: 34, usageSource: 'estimated' })).toEqual({
      'gen_ai.response.model': 'gpt-4o-2024',
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.usage.output_tokens': 34,
      'switchboard.usage_source': 'estimated',
    });
    expect(genAiOutcomeAttributes({ responseModel: null, inputTokens: 0, outputTokens: 0, usageSource: 'upstream', errorKind: 'upstream_timeout' })).toEqual({
      'gen_ai.usage.input_tokens': 0,
      'gen_ai.usage.output_tokens': 0,
      'switchboard.usage_source': 'upstream',
      'error.type': 'upstream_timeout',
    });
  });
});
