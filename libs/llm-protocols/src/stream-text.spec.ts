import { ADAPTERS } from './protocol.registry.js';
import { streamErrorEvent, clientError } from './client-error.mapper.js';

describe('streamed text and final usage', () => {
  it('reads generated text from each protocol’s deltas', () => {
    expect(ADAPTERS.openai_chat.streamEventText({ choices: [{ delta: { content: 'Hi', tool_calls: [{ function: { name: 'f', arguments: '{"a"' } }] } }] })).toBe('Hif{"a"');
    expect(ADAPTERS.openai_responses.streamEventText({ type: 'response.output_text.delta', delta: 'Hello' })).toBe('Hello');
    expect(ADAPTERS.openai_responses.streamEventText({ type: 'response.completed', response: {} })).toBe('');
    expect(ADAPTERS.anthropic_messages.streamEventText({ type: 'content_block_delta', delta: { type: 'text_delta', text: 'Yo' } })).toBe('Yo');
    expect(ADAPTERS.anthropic_messages.streamEventText({ type: 'message_start', message: {} })).toBe('');
  });

  it('marks the usage report that ends a stream as final, and only that one', () => {
    expect(ADAPTERS.openai_chat.streamEventFacts({ choices: [], usage: { prompt_tokens: 1, completion_tokens: 2 } }).final).toBe(true);
    expect(ADAPTERS.anthropic_messages.streamEventFacts({ type: 'message_start', message: { usage: { input_tokens: 5, output_tokens: 1 } } }).final).toBeUndefined();
    expect(ADAPTERS.anthropic_messages.streamEventFacts({ type: 'message_delta', usage: { output_tokens: 9 } }).final).toBe(true);
    expect(ADAPTERS.openai_responses.streamEventFacts({ type: 'response.completed', response: { usage: { input_tokens: 1, output_tokens: 1 } } }).final).toBe(true);
  });

  it('tells an error inside a stream in each protocol’s own event', () => {
    const chat = streamErrorEvent('openai_chat', clientError('openai_chat', 'upstream_timeout', 'Upstream Timeout: too slow'));
    expect(chat).toBe(`data: {"error":{"message":"Upstream Timeout: too slow","type":"server_error","param":null,"code":"upstream_timeout"}}\n\n`);
    const responses = streamErrorEvent('openai_responses', clientError('openai_responses', 'upstream_timeout', 'slow'));
    expect(responses).toBe(`event: error\ndata: {"type":"error","code":"upstream_timeout","message":"slow","param":null}\n\n`);
    const anthropic = streamErrorEvent('anthropic_messages', clientError('anthropic_messages', 'upstream_timeout', 'slow'));
    expect(anthropic).toBe(`event: error\ndata: {"type":"error","error":{"type":"timeout_error","message":"slow"}}\n\n`);
  });
});
