import { responseModelOf } from './response-model.js';
import { UsageTracker } from './sse.usage-tracker.js';

describe('responseModelOf', () => {
  it('reads the model from whole answers and the first stream events of each protocol', () => {
    expect(responseModelOf({ id: 'chatcmpl-1', object: 'chat.completion.chunk', model: 'gpt-4o-2024-08-06', choices: [] })).toBe('gpt-4o-2024-08-06');
    expect(responseModelOf({ type: 'response.created', response: { id: 'resp_1', model: 'o4-mini' } })).toBe('o4-mini');
    expect(responseModelOf({ type: 'message_start', message: { id: 'msg_1', model: 'claude-sonnet' } })).toBe('claude-sonnet');
  });

  it('names no model for anything else', () => {
    for (const json of [null, 'gpt', [], {}, { model: 42 }, { model: '' }, { model: 'x'.repeat(300) }, { message: 'model' }]) expect(responseModelOf(json)).toBeNull();
  });

  it('is kept by the stream tracker from the first event naming one', () => {
    const tracker = new UsageTracker('anthropic_messages');
    tracker.push(Buffer.from('event: message_start\ndata: {"type":"message_start","message":{"model":"claude-x","usage":{"input_tokens":3}}}\n\n'));
    tracker.push(Buffer.from('event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"type":"text_delta","text":"hi"}}\n\n'));
    expect(tracker.responseModel).toBe('claude-x');
  });
});
