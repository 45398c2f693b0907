import type { ProxyRequest } from '@switchboard/llm-protocols';
import { TranslatedStream, prepareUpstreamRequest, translateWholeAnswer, type CallTranslation } from './translation.js';

type Json = Record<string, unknown>;

const request = (body: Json, includeUsage = false): ProxyRequest => ({
  model: String(body['model']),
  stream: body['stream'] === true,
  maxOutputTokens: typeof body['max_tokens'] === 'number' ? body['max_tokens'] : null,
  ...(includeUsage ? { includeUsage } : {}),
});

const options = { upstreamModel: 'claude-upstream', defaultMaxTokens: 333 };

describe('prepareUpstreamRequest', () => {
  it("leaves a call in the client's own dialect untranslated", () => {
    const body = { model: 'fast', stream: true, messages: [{ role: 'user', content: 'hi' }] };
    const prepared = prepareUpstreamRequest('openai_chat', 'openai_chat', body, request(body), { ...options, upstreamModel: 'gpt-upstream' });
    expect(prepared).toMatchObject({ ok: true, value: { translation: null, stripUsageChunk: true, maxOutputTokens: null } });
    expect(prepared.ok && prepared.value.body).toMatchObject({ model: 'gpt-upstream', stream_options: { include_usage: true } });
  });

  it('translates a chat request into a Messages body with its system prompt, upstream model and a required max_tokens', () => {
    const body = { model: 'fast', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }] };
    const prepared = prepareUpstreamRequest('openai_chat', 'anthropic_messages', body, request(body, true), options);
    if (!prepared.ok) throw new Error(JSON.stringify(prepared.error.body));
    expect(prepared.value.body).toMatchObject({ model: 'claude-upstream', system: 'Be brief.', max_tokens: 333, stream: true, messages: [{ role: 'user' }] });
    expect(prepared.value.body).not.toHaveProperty('stream_options');
    expect(prepared.value).toMatchObject({ stripUsageChunk: false, maxOutputTokens: 333, translation: { upstream: 'anthropic_messages', includeUsage: true, model: 'fast' } });
  });

  it('holds a budgeted translated call to the bound the upstream body carries', () => {
    const body = { model: 'fast', max_tokens: 40, messages: [{ role: 'user', content: 'hi' }] };
    const prepared = prepareUpstreamRequest('openai_chat', 'anthropic_messages', body, request(body), { ...options, boundOutputTokens: 4096 });
    expect(prepared.ok && prepared.value.maxOutputTokens).toBe(40);
    expect(prepared.ok && prepared.value.body['max_tokens']).toBe(40);
  });

  it('asks a chat upstream for the usage chunk of a translated Anthropic stream, and keeps it for the translator', () => {
    const body = { model: 'gpt', max_tokens: 20, stream: true, messages: [{ role: 'user', content: 'hi' }] };
    const prepared = prepareUpstreamRequest('anthropic_messages', 'openai_chat', body, request(body), { ...options, upstreamModel: 'gpt-upstream' });
    expect(prepared.ok && prepared.value.body).toMatchObject({ model: 'gpt-upstream', stream_options: { include_usage: true } });
    expect(prepared.ok && prepared.value.stripUsageChunk).toBe(false);
  });

  it("refuses a field the upstream's dialect cannot carry with a 400 naming it, in the client's shape", () => {
    const body = { model: 'fast', n: 3, messages: [{ role: 'user', content: 'hi' }] };
    const prepared = prepareUpstreamRequest('openai_chat', 'anthropic_messages', body, request(body), options);
    expect(prepared).toMatchObject({ ok: false, error: { status: 400, body: { error: { param: 'n', message: expect.stringMatching(/^n: /) } } } });
    const anthropicBody = { model: 'gpt', max_tokens: 5, top_k: 2, messages: [{ role: 'user', content: 'hi' }] };
    const refused = prepareUpstreamRequest('anthropic_messages', 'openai_chat', anthropicBody, request(anthropicBody), options);
    expect(refused).toMatchObject({ ok: false, error: { status: 400, body: { type: 'error', error: { message: expect.stringContaining('top_k') } } } });
  });
});

const toChat: CallTranslation = { upstream: 'anthropic_messages', includeUsage: true, model: 'fast' };

const anthropicMessage = {
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  model: 'claude-upstream',
  content: [{ type: 'text', text: 'Hello there.' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 10, output_tokens: 4, cache_read_input_tokens: 2 },
};

describe('translateWholeAnswer', () => {
  it('rewrites a whole Messages answer as a chat completion naming the model the client called', () => {
    const answer = translateWholeAnswer('openai_chat', toChat, anthropicMessage, 'prv_1');
    if (!answer.ok) throw new Error('not translated');
    const chat = JSON.parse(answer.body.toString('utf8')) as Json;
    expect(chat).toMatchObject({ object: 'chat.completion', model: 'fast', choices: [{ message: { content: 'Hello there.' }, finish_reason: 'stop' }] });
    expect(chat['usage']).toMatchObject({ prompt_tokens: 12, completion_tokens: 4 });
  });

  it("answers an upstream body that is not a JSON object as the provider's failure", () => {
    expect(translateWholeAnswer('openai_chat', toChat, undefined, 'prv_1')).toMatchObject({ ok: false, error: { status: 502, body: { error: { message: expect.stringContaining('prv_1') } } } });
  });
});

const sse = (type: string, data: Json): string => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
const anthropicStream = [
  sse('message_start', { message: { ...anthropicMessage, content: [], stop_reason: null, usage: { input_tokens: 10, output_tokens: 1 } } }),
  sse('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
  sse('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Héllo ' } }),
  sse('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'there.' } }),
  sse('content_block_stop', { index: 0 }),
  sse('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 4 } }),
  sse('message_stop', {}),
].join('');

/** The `data:` payloads of an SSE text. */
const payloads = (text: string): string[] => text.split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice('data: '.length));

describe('TranslatedStream', () => {
  it('translates events split across chunks anywhere, even inside a UTF-8 sequence, as when they come whole', () => {
    const bytes = Buffer.from(anthropicStream, 'utf8');
    const whole = new TranslatedStream('openai_chat', toChat);
    const wholeText = whole.push(bytes) + whole.end();
    const split = new TranslatedStream('openai_chat', toChat);
    let splitText = '';
    for (let i = 0; i < bytes.length; i += 7) splitText += split.push(bytes.subarray(i, i + 7));
    splitText += split.end();

    const ignoreCreated = (data: string): unknown => (data === '[DONE]' ? data : { ...(JSON.parse(data) as Json), created: 0 });
    expect(payloads(splitText).map(ignoreCreated)).toEqual(payloads(wholeText).map(ignoreCreated));
    const data = payloads(splitText);
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as { choices: { delta: { content?: string } }[]; usage?: Json | null; model: string });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Héllo there.');
    expect(chunks.every((c) => c.model === 'fast')).toBe(true);
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 4 });
  });

  it('holds an event until its end arrives', () => {
    const stream = new TranslatedStream('openai_chat', toChat);
    const start = anthropicStream.slice(0, anthropicStream.indexOf('\n\n'));
    expect(stream.push(Buffer.from(start))).toBe('');
    expect(payloads(stream.push(Buffer.from('\n\n'))).length).toBeGreaterThan(0);
  });
});
