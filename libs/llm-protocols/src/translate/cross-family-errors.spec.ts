import { mapUpstreamError } from '../client-error.mapper.js';
import type { Direction } from './translate.types.js';

/** An upstream error answer of one family in the client's (`d.to`) shape, as the gateway maps every upstream error. */
const errorBody = (d: Direction, status: number, body: unknown) => ({ ...mapUpstreamError(d.to, status, body).body });

const TO_OPENAI: Direction = { from: 'anthropic_messages', to: 'openai_chat' };
const TO_RESPONSES: Direction = { from: 'anthropic_messages', to: 'openai_responses' };
const TO_ANTHROPIC: Direction = { from: 'openai_chat', to: 'anthropic_messages' };

const anthropicError = (type: string, message: string) => ({ type: 'error', error: { type, message }, request_id: 'req_011CSHoEeqs5C35K2UUqR7Fy' });
const openAiError = (type: string, code: string | null, message: string) => ({ error: { message, type, param: null, code } });

describe('upstream errors of the other family, in the client shape (mapUpstreamError)', () => {
  it.each([
    [400, anthropicError('invalid_request_error', 'messages: roles must alternate'), 'invalid_request_error', null],
    [401, anthropicError('authentication_error', 'invalid x-api-key'), 'invalid_request_error', 'invalid_api_key'],
    [403, anthropicError('permission_error', 'not allowed'), 'invalid_request_error', 'permission_denied'],
    [404, anthropicError('not_found_error', 'model: claude-x'), 'invalid_request_error', 'model_not_found'],
    [413, anthropicError('request_too_large', 'too large'), 'invalid_request_error', null],
    [429, anthropicError('rate_limit_error', 'slow down'), 'rate_limit_error', 'rate_limit_exceeded'],
    [500, anthropicError('api_error', 'boom'), 'server_error', 'upstream_unavailable'],
    [529, anthropicError('overloaded_error', 'Overloaded'), 'server_error', 'upstream_unavailable'],
    [504, anthropicError('timeout_error', 'timeout'), 'server_error', 'upstream_timeout'],
  ])('an Anthropic %i → the OpenAI shape', (status, body, type, code) => {
    const translated = errorBody(TO_OPENAI, status, body);
    expect(translated).toEqual({ error: { message: expect.any(String), type, param: null, code } });
    expect(errorBody(TO_RESPONSES, status, body)).toEqual(translated);
  });

  it.each([
    [400, openAiError('invalid_request_error', 'context_length_exceeded', 'too long'), 'invalid_request_error'],
    [401, openAiError('invalid_request_error', 'invalid_api_key', 'Incorrect API key provided: sk-abc***xyz'), 'authentication_error'],
    [403, openAiError('invalid_request_error', null, 'Country not supported'), 'permission_error'],
    [404, openAiError('invalid_request_error', 'model_not_found', 'The model gpt-x does not exist'), 'not_found_error'],
    [429, openAiError('insufficient_quota', 'insufficient_quota', 'You exceeded your current quota'), 'rate_limit_error'],
    [500, openAiError('server_error', null, 'The server had an error'), 'api_error'],
    [503, openAiError('server_error', null, 'The engine is currently overloaded'), 'overloaded_error'],
    [408, openAiError('server_error', null, 'timeout'), 'timeout_error'],
  ])('an OpenAI %i → the Anthropic shape', (status, body, type) => {
    expect(errorBody(TO_ANTHROPIC, status, body)).toEqual({ type: 'error', error: { type, message: expect.any(String) } });
  });

  it("passes the upstream's own words on where they describe the request", () => {
    const translated = errorBody(TO_OPENAI, 400, anthropicError('invalid_request_error', 'messages: roles must alternate'));
    expect(JSON.stringify(translated)).toContain('messages: roles must alternate');
  });

  it('never passes on the message of an auth failure, where providers echo part of the key', () => {
    const translated = errorBody(TO_ANTHROPIC, 401, openAiError('invalid_request_error', 'invalid_api_key', 'Incorrect API key provided: sk-abc***xyz'));
    expect(JSON.stringify(translated)).not.toContain('sk-abc');
  });

  it.each([
    ['plain text', 'upstream connect error or disconnect/reset before headers'],
    ['JSON text', '{"error":{"message":"bad thing","type":"invalid_request_error"}}'],
    ['null', null],
    ['a list', [1, 2]],
    ['an OpenAI-compatible top-level message', { message: 'vLLM says no', object: 'error' }],
  ])('turns %s into the client shape', (_what, body) => {
    expect(errorBody(TO_ANTHROPIC, 502, body)).toEqual({ type: 'error', error: { type: 'api_error', message: expect.stringContaining('502') } });
    expect(errorBody(TO_OPENAI, 400, body)).toEqual({ error: { message: expect.any(String), type: 'invalid_request_error', param: null, code: null } });
  });
});
