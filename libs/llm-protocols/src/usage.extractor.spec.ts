import { usageFromResponse } from './usage.extractor.js';

describe('usageFromResponse', () => {
  it('reads a chat completion: prompt_tokens already include the cached ones', () => {
    const body = {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
      usage: {
        prompt_tokens: 120,
        completion_tokens: 30,
        total_tokens: 150,
        prompt_tokens_details: { cached_tokens: 64, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0 },
      },
    };
    expect(usageFromResponse('openai_chat', body)).toEqual({ inputTokens: 120, outputTokens: 30, cachedTokens: 64 });
  });

  it('reads a response: input_tokens already include the cached ones', () => {
    const body = {
      id: 'resp_1',
      object: 'response',
      status: 'completed',
      usage: { input_tokens: 50, input_tokens_details: { cached_tokens: 10 }, output_tokens: 7, output_tokens_details: { reasoning_tokens: 2 }, total_tokens: 57 },
    };
    expect(usageFromResponse('openai_responses', body)).toEqual({ inputTokens: 50, outputTokens: 7, cachedTokens: 10 });
  });

  it('reads an Anthropic message, adding cache reads and writes back into the input count', () => {
    const body = {
      id: 'msg_1',
      type: 'message',
      usage: { input_tokens: 12, cache_creation_input_tokens: 100, cache_read_input_tokens: 2000, output_tokens: 40 },
    };
    expect(usageFromResponse('anthropic_messages', body)).toEqual({ inputTokens: 2112, outputTokens: 40, cachedTokens: 2000 });
  });

  it('treats absent, null or malformed counters as not reported', () => {
    expect(usageFromResponse('openai_chat', { usage: { prompt_tokens: 5, completion_tokens: 2 } })).toEqual({
      inputTokens: 5,
      outputTokens: 2,
      cachedTokens: 0,
    });
    expect(usageFromResponse('anthropic_messages', { usage: { input_tokens: 3, output_tokens: 1, cache_read_input_tokens: null } })).toEqual({
      inputTokens: 3,
      outputTokens: 1,
      cachedTokens: 0,
    });
    expect(usageFromResponse('openai_chat', { usage: { prompt_tokens: -1, completion_tokens: '2' } })).toBeNull();
    expect(usageFromResponse('openai_responses', { id: 'resp_1' })).toBeNull();
    expect(usageFromResponse('anthropic_messages', 'not json')).toBeNull();
  });
});
