import { parseProxyRequest, prepareUpstreamBody } from './proxy-request.parser.js';

const messages = [{ role: 'user', content: 'hi' }];

describe('parseProxyRequest', () => {
  it('reads model, stream and max_completion_tokens (before the deprecated max_tokens) of a chat completion', () => {
    expect(parseProxyRequest('openai_chat', { model: 'gpt', messages, max_completion_tokens: 64, max_tokens: 9 })).toEqual({
      ok: true,
      value: { model: 'gpt', stream: false, maxOutputTokens: 64, includeUsage: false },
    });
    expect(parseProxyRequest('openai_chat', { model: 'gpt', messages, max_tokens: 9 })).toMatchObject({ value: { maxOutputTokens: 9 } });
    expect(parseProxyRequest('openai_chat', { model: 'gpt', messages })).toMatchObject({ value: { maxOutputTokens: null } });
  });

  it('notes whether a streaming chat client asked for the usage chunk', () => {
    const asked = { model: 'gpt', messages, stream: true, stream_options: { include_usage: true } };
    expect(parseProxyRequest('openai_chat', asked)).toMatchObject({ value: { stream: true, includeUsage: true } });
    expect(parseProxyRequest('openai_chat', { model: 'gpt', messages, stream: true })).toMatchObject({ value: { includeUsage: false } });
    expect(parseProxyRequest('openai_chat', { ...asked, stream: false })).toMatchObject({ value: { includeUsage: false } });
  });

  it('reads max_output_tokens of a response, and no includeUsage (responses always report usage)', () => {
    const parsed = parseProxyRequest('openai_responses', { model: 'gpt', input: 'hi', stream: true, max_output_tokens: 100 });
    expect(parsed).toEqual({ ok: true, value: { model: 'gpt', stream: true, maxOutputTokens: 100 } });
  });

  it('requires max_tokens of an Anthropic message, as the Messages API does', () => {
    expect(parseProxyRequest('anthropic_messages', { model: 'claude', messages, max_tokens: 32 })).toEqual({
      ok: true,
      value: { model: 'claude', stream: false, maxOutputTokens: 32 },
    });
    expect(parseProxyRequest('anthropic_messages', { model: 'claude', messages })).toMatchObject({
      ok: false,
      error: { code: 'validation_failed', message: 'max_tokens: is required' },
    });
  });

  it.each([
    ['a non-object body', 'openai_chat', [1, 2], 'the request body must be a JSON object'],
    ['a missing model', 'openai_chat', { messages }, 'model: must be a non-empty string'],
    ['a blank model', 'openai_responses', { model: '  ' }, 'model: must be a non-empty string'],
    ['a huge model name', 'openai_chat', { model: 'x'.repeat(257) }, 'model: must be at most 256 characters'],
    ['a string stream flag', 'anthropic_messages', { model: 'c', max_tokens: 1, stream: 'yes' }, 'stream: must be a boolean'],
    ['a fractional bound', 'openai_chat', { model: 'g', max_tokens: 1.5 }, 'max_tokens: must be a positive integer'],
    ['a zero bound', 'openai_responses', { model: 'g', max_output_tokens: 0 }, 'max_output_tokens: must be a positive integer'],
    ['a string bound', 'anthropic_messages', { model: 'c', max_tokens: '10' }, 'max_tokens: must be a positive integer'],
    ['bad stream_options', 'openai_chat', { model: 'g', stream: true, stream_options: 'x' }, 'stream_options: must be an object'],
    ['a bad include_usage', 'openai_chat', { model: 'g', stream: true, stream_options: { include_usage: 1 } }, 'stream_options.include_usage: must be a boolean'],
  ] as const)('refuses %s with a clear message', (_label, protocol, body, message) => {
    expect(parseProxyRequest(protocol, body)).toMatchObject({ ok: false, error: { code: 'validation_failed', message } });
  });
});

describe('prepareUpstreamBody', () => {
  it('replaces the model and keeps every other field untouched', () => {
    const body = { model: 'alias', input: [{ role: 'user', content: 'x' }], temperature: 0.2, metadata: { a: '1' } };
    const prepared = prepareUpstreamBody('openai_responses', body, { upstreamModel: 'gpt-5' });
    expect(prepared).toEqual({ body: { ...body, model: 'gpt-5' }, stripUsageChunk: false });
    expect(body.model).toBe('alias');
  });

  it('sets an output bound in the protocol\'s own field only when the client set none', () => {
    expect(prepareUpstreamBody('openai_chat', { model: 'a', messages }, { upstreamModel: 'g', boundOutputTokens: 4096 }).body).toEqual({
      model: 'g',
      messages,
      max_completion_tokens: 4096,
    });
    expect(prepareUpstreamBody('openai_chat', { model: 'a', messages, max_tokens: 7 }, { upstreamModel: 'g', boundOutputTokens: 4096 }).body).toEqual({
      model: 'g',
      messages,
      max_tokens: 7,
    });
    expect(prepareUpstreamBody('openai_responses', { model: 'a', input: 'x' }, { upstreamModel: 'g', boundOutputTokens: 64 }).body).toEqual({
      model: 'g',
      input: 'x',
      max_output_tokens: 64,
    });
    expect(prepareUpstreamBody('anthropic_messages', { model: 'a', messages, max_tokens: 5 }, { upstreamModel: 'g', boundOutputTokens: 64 }).body).toEqual({
      model: 'g',
      messages,
      max_tokens: 5,
    });
  });

  it('forces include_usage on a streamed chat completion and remembers to strip the chunk the client did not ask for', () => {
    const prepared = prepareUpstreamBody('openai_chat', { model: 'a', messages, stream: true }, { upstreamModel: 'gpt' });
    expect(prepared).toEqual({ body: { model: 'gpt', messages, stream: true, stream_options: { include_usage: true } }, stripUsageChunk: true });
  });

  it('keeps the client usage chunk when it asked for it, and its other stream options', () => {
    const body = { model: 'a', messages, stream: true, stream_options: { include_usage: true, include_obfuscation: false } };
    expect(prepareUpstreamBody('openai_chat', body, { upstreamModel: 'gpt' })).toEqual({
      body: { ...body, model: 'gpt' },
      stripUsageChunk: false,
    });
  });

  it('leaves non-streamed chat completions and Anthropic messages alone apart from the model', () => {
    expect(prepareUpstreamBody('openai_chat', { model: 'a', messages }, { upstreamModel: 'gpt' })).toEqual({
      body: { model: 'gpt', messages },
      stripUsageChunk: false,
    });
    const anthropic = { model: 'a', messages, max_tokens: 5, stream: true };
    expect(prepareUpstreamBody('anthropic_messages', anthropic, { upstreamModel: 'claude-x' })).toEqual({
      body: { ...anthropic, model: 'claude-x' },
      stripUsageChunk: false,
    });
  });

  it('refuses a body that was never parsed', () => {
    expect(() => prepareUpstreamBody('openai_chat', 'text', { upstreamModel: 'gpt' })).toThrow(TypeError);
  });
});
