import { usageFromFragments } from './usage.fragments.js';

describe('usageFromFragments', () => {
  it('finds the top-level usage at the end, past a nested usage key and a quoted one', () => {
    const tail = `"input":{"usage":{"input_tokens":999}}}],"note":"\\"usage\\": {\\"input_tokens\\": 5}","usage":{"input_tokens":12,"output_tokens":34}}`;
    expect(usageFromFragments('anthropic_messages', '{"id":"msg_1"', tail)).toEqual({ inputTokens: 12, outputTokens: 34, cachedTokens: 0 });
  });

  it('finds a usage object put first, in the head, when the tail has none', () => {
    const head = '{"id":"x","usage":{"prompt_tokens":7,"completion_tokens":9,"prompt_tokens_details":{"cached_tokens":2}},"choices":[{"message":{"content":"aaaa';
    expect(usageFromFragments('openai_chat', head, 'aaaa"}}]}')).toEqual({ inputTokens: 7, outputTokens: 9, cachedTokens: 2 });
  });

  it('answers null for a body without usage, a torn object, or a key that is not followed by one', () => {
    expect(usageFromFragments('openai_chat', '{"choices":[]', '"choices":[]}')).toBeNull();
    expect(usageFromFragments('openai_chat', '', '"usage":{"prompt_tokens":7,"completion')).toBeNull();
    expect(usageFromFragments('openai_chat', '', '"usage":"none"}')).toBeNull();
  });
});
