import { DEFAULT_MOCK_LLM_OPTIONS } from './mock-llm.types.js';
import { estimateInputTokens, plannedUsage, requestedMaximum, splitReply } from './mock-llm.usage.js';

describe('mock usage rules', () => {
  it('estimates input tokens from the prompt only, a quarter of its JSON bytes rounded up', () => {
    const messages = [{ role: 'user', content: 'hello' }];
    const bytes = JSON.stringify(messages).length;
    expect(estimateInputTokens('chat_completions', { model: 'a', messages })).toBe(Math.ceil(bytes / 4));
    expect(estimateInputTokens('chat_completions', { model: 'a-much-longer-model-name', messages, stream_options: { include_usage: true } })).toBe(Math.ceil(bytes / 4));
    expect(estimateInputTokens('responses', { input: 'x' })).toBe(Math.ceil(JSON.stringify({ instructions: null, input: 'x' }).length / 4));
    expect(estimateInputTokens('models', {})).toBe(1);
  });

  it('takes the output from the request maximum of each protocol, else the default', () => {
    expect(requestedMaximum('chat_completions', { max_completion_tokens: 5, max_tokens: 9 })).toBe(5);
    expect(requestedMaximum('chat_completions', { max_tokens: 9 })).toBe(9);
    expect(requestedMaximum('responses', { max_output_tokens: 7 })).toBe(7);
    expect(requestedMaximum('messages', { max_tokens: 0 })).toBeNull();
    expect(plannedUsage('messages', { messages: [] }, { ...DEFAULT_MOCK_LLM_OPTIONS, inputTokens: 10, cachedTokens: 50 })).toEqual({
      inputTokens: 10,
      outputTokens: DEFAULT_MOCK_LLM_OPTIONS.outputTokens,
      cachedTokens: 10,
    });
  });

  it('splits the reply into the asked number of non-empty pieces, never inside a code point', () => {
    expect(splitReply('abcdefghij', 4)).toEqual(['ab', 'cde', 'fg', 'hij']);
    expect(splitReply('abc', 10)).toEqual(['a', 'b', 'c']);
    expect(splitReply('😀😀', 2)).toEqual(['😀', '😀']);
    expect(splitReply('', 3)).toEqual([' ']);
  });
});
