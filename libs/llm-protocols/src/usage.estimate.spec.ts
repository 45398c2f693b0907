import { estimateUsage, MEDIA_PART_TOKENS, MESSAGE_OVERHEAD_TOKENS, mediaPartsOf, promptText, tokenizedSample, TOKENIZED_CHARS, type TokenCounter } from './usage.estimate.js';
import { worstCaseShape } from './worst-case.js';
import { ADAPTERS } from './protocol.registry.js';
import { usageFromResponse } from './usage.extractor.js';

/** One token per character: the arithmetic around the tokenizer is what these specs check. */
const perChar: TokenCounter = async (_family, texts) => texts.map((t) => t.length);

describe('promptText', () => {
  it('gathers the text a chat request shows the model, and counts media parts without reading them', () => {
    const body = {
      model: 'm',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Look:' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] },
        { role: 'assistant', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } }] },
      ],
      tools: [{ type: 'function', function: { name: 'lookup', description: 'Finds things' } }],
    };
    const prompt = promptText('openai_chat', body);
    expect(prompt.text.split('\n')).toEqual(['Be brief.', 'Look:', 'lookup', '{"q":"x"}', 'function', 'lookup', 'Finds things'].filter((t) => t !== 'function'));
    expect(prompt.messages).toBe(3);
    expect(prompt.mediaParts).toBe(1);
    expect(prompt.text).not.toContain('AAAA');
  });

  it('reads Responses instructions and input, and Anthropic system, messages and documents', () => {
    expect(promptText('openai_responses', { instructions: 'Rules', input: 'Hello' })).toEqual({ text: 'Rules\nHello', messages: 1, mediaParts: 0 });
    const anthropic = promptText('anthropic_messages', {
      system: [{ type: 'text', text: 'Sys' }],
      messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'base64', data: 'JVBERi0' } }, { type: 'text', text: 'Summarise' }] }],
    });
    expect(anthropic).toEqual({ text: 'Sys\nSummarise', messages: 1, mediaParts: 1 });
    expect(mediaPartsOf('anthropic_messages', { messages: [{ role: 'user', content: [{ type: 'image', source: {} }, { type: 'image', source: {} }] }] })).toBe(2);
  });
});

describe('estimateUsage', () => {
  const prompt = { text: 'x'.repeat(100), messages: 2, mediaParts: 1 };

  it('counts input from the prompt when the upstream reported none, and output from what the stream carried', async () => {
    const usage = await estimateUsage(perChar, {
      family: 'openai',
      prompt,
      reported: null,
      generated: { text: 'y'.repeat(30), keptBytes: 1000, totalBytes: 1000 },
      outputFloor: 0,
    });
    expect(usage).toEqual({ inputTokens: 100 + 2 * MESSAGE_OVERHEAD_TOKENS + MEDIA_PART_TOKENS, outputTokens: 30, cachedTokens: 0 });
  });

  it('keeps the input the upstream reported, never counts output below it or below the floor, and scales a long stream', async () => {
    const reported = { inputTokens: 77, outputTokens: 1, cachedTokens: 5 };
    const usage = await estimateUsage(perChar, { family: 'anthropic', prompt, reported, generated: { text: 'y'.repeat(10), keptBytes: 500, totalBytes: 2000 }, outputFloor: 0 });
    expect(usage).toEqual({ inputTokens: 77, outputTokens: 40, cachedTokens: 5 });
    const floored = await estimateUsage(perChar, { family: 'openai', prompt, reported: null, generated: null, outputFloor: 64 });
    expect(floored.outputTokens).toBe(64);
  });

  it("adds the tenant's bound on history stored at the provider to a counted input, never to a reported one", async () => {
    const counted = await estimateUsage(perChar, { family: 'openai', prompt, reported: null, generated: null, outputFloor: 0, historyTokens: 5000 });
    expect(counted.inputTokens).toBe(100 + 2 * MESSAGE_OVERHEAD_TOKENS + MEDIA_PART_TOKENS + 5000);
    const reported = { inputTokens: 9000, outputTokens: 0, cachedTokens: 0 };
    expect((await estimateUsage(perChar, { family: 'openai', prompt, reported, generated: null, outputFloor: 0, historyTokens: 5000 })).inputTokens).toBe(9000);
  });

  it('tokenizes at most TOKENIZED_CHARS and counts the rest at the same rate', async () => {
    const long = 'z'.repeat(TOKENIZED_CHARS * 3);
    expect(tokenizedSample(long)).toEqual({ sample: long.slice(0, TOKENIZED_CHARS), scale: 3 });
    const seen: number[] = [];
    const counting: TokenCounter = async (family, texts) => {
      seen.push(...texts.map((t) => t.length));
      return perChar(family, texts);
    };
    const usage = await estimateUsage(counting, { family: 'openai', prompt: { text: long, messages: 1, mediaParts: 0 }, reported: null, generated: null, outputFloor: 0 });
    expect(Math.max(...seen)).toBe(TOKENIZED_CHARS);
    expect(usage.inputTokens).toBe(TOKENIZED_CHARS * 3 + MESSAGE_OVERHEAD_TOKENS);
  });
});

describe('worstCaseShape', () => {
  it('takes n and best_of as the number of completions, and finds media parts', () => {
    expect(worstCaseShape('openai_chat', { n: 8, messages: [] }).choices).toBe(8);
    expect(worstCaseShape('openai_chat', { best_of: 3, n: 2, messages: [] }).choices).toBe(3);
    expect(worstCaseShape('openai_chat', { n: 'many', messages: [] }).choices).toBe(1);
    expect(worstCaseShape('openai_chat', { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'u' } }] }] }).mediaParts).toBe(1);
  });

  it('names history stored at the provider and tools it bills apart', () => {
    const responses = worstCaseShape('openai_responses', { previous_response_id: 'resp_1', input: 'x', tools: [{ type: 'web_search' }, { type: 'function', name: 'f' }] });
    expect(responses.serverHistory).toEqual(['previous_response_id']);
    expect(responses.pricedTools).toEqual(['web_search']);
    expect(worstCaseShape('openai_responses', { conversation: 'conv_1', input: 'x' }).serverHistory).toEqual(['conversation']);
    expect(worstCaseShape('openai_chat', { messages: [], web_search_options: {} }).pricedTools).toEqual(['web_search_options']);
    expect(worstCaseShape('anthropic_messages', { messages: [], tools: [{ type: 'web_search_20250305', name: 'web_search' }] }).pricedTools).toEqual(['web_search_20250305']);
    expect(worstCaseShape('openai_chat', { messages: [] })).toEqual({ choices: 1, mediaParts: 0, serverHistory: [], pricedTools: [], toolCallCap: 0 });
  });

  it("caps priced tool calls by max_tool_calls, by the sum of each tool's max_uses, at one search for web_search_options, else not at all", () => {
    const web = { type: 'web_search' };
    expect(worstCaseShape('openai_responses', { input: 'x', tools: [web], max_tool_calls: 3 }).toolCallCap).toBe(3);
    expect(worstCaseShape('openai_responses', { input: 'x', tools: [web] }).toolCallCap).toBeNull();
    expect(worstCaseShape('openai_responses', { input: 'x', tools: [web], max_tool_calls: 0 }).toolCallCap).toBeNull();
    expect(worstCaseShape('openai_responses', { input: 'x', tools: [{ type: 'function', name: 'f' }] }).toolCallCap).toBe(0);
    const search = { type: 'web_search_20250305', name: 'web_search', max_uses: 5 };
    const fetch = { type: 'web_fetch_20250910', name: 'web_fetch', max_uses: 2 };
    expect(worstCaseShape('anthropic_messages', { messages: [], tools: [search, fetch] }).toolCallCap).toBe(7);
    expect(worstCaseShape('anthropic_messages', { messages: [], tools: [search, { ...fetch, max_uses: undefined }] }).toolCallCap).toBeNull();
    expect(worstCaseShape('anthropic_messages', { messages: [], tools: [search], mcp_servers: [{ url: 'https://x' }] }).toolCallCap).toBeNull();
    expect(worstCaseShape('openai_chat', { messages: [], web_search_options: {} }).toolCallCap).toBe(1);
  });
});

describe('server tool calls in the usage an upstream reports', () => {
  const usage = { input_tokens: 10, output_tokens: 5 };
  it('counts the server tool call items of a responses answer, streamed or not', () => {
    const output = [{ type: 'web_search_call' }, { type: 'message' }, { type: 'web_search_call' }, { type: 'function_call' }, { type: 'code_interpreter_call' }];
    expect(usageFromResponse('openai_responses', { output, usage })?.serverToolCalls).toBe(3);
    expect(usageFromResponse('openai_responses', { output: [{ type: 'message' }], usage })?.serverToolCalls).toBeUndefined();
    const facts = ADAPTERS.openai_responses.streamEventFacts({ type: 'response.completed', response: { output, usage } });
    expect(facts).toMatchObject({ final: true, usage: { serverToolCalls: 3 } });
  });

  it("adds up every count in Anthropic's server_tool_use", () => {
    const reported = { ...usage, server_tool_use: { web_search_requests: 2, web_fetch_requests: 1, note: 'x' } };
    expect(usageFromResponse('anthropic_messages', { usage: reported })?.serverToolCalls).toBe(3);
    expect(ADAPTERS.anthropic_messages.streamEventFacts({ type: 'message_delta', usage: reported }).usage?.serverToolCalls).toBe(3);
    expect(usageFromResponse('anthropic_messages', { usage: { ...usage, server_tool_use: { web_search_requests: 0 } } })?.serverToolCalls).toBeUndefined();
  });
});
