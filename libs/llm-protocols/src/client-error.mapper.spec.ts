import { clientError, mapUpstreamError } from './client-error.mapper.js';

describe('clientError', () => {
  it('builds the OpenAI error shape', () => {
    expect(clientError('openai_chat', 'invalid_api_key')).toEqual({
      kind: 'invalid_api_key',
      status: 401,
      body: { error: { message: 'Invalid API Key', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } },
      headers: { 'content-type': 'application/json' },
    });
  });

  it('builds the Anthropic error shape', () => {
    expect(clientError('anthropic_messages', 'model_not_found', 'Model Not Available: claude-x')).toEqual({
      kind: 'model_not_found',
      status: 404,
      body: { type: 'error', error: { type: 'not_found_error', message: 'Model Not Available: claude-x' } },
      headers: { 'content-type': 'application/json' },
    });
  });

  it('passes Retry-After on for rate limits, in whole seconds', () => {
    const limited = clientError('openai_responses', 'rate_limited', undefined, { retryAfterSeconds: 1.2 });
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('2');
    expect(limited.body).toEqual({ error: { message: 'Rate Limit Exceeded', type: 'rate_limit_error', param: null, code: 'rate_limit_exceeded' } });
    expect(clientError('anthropic_messages', 'rate_limited').body).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: 'Rate Limit Exceeded' } });
  });

  it('names a spent budget with code budget_exceeded (OpenAI) or rate_limit_error (Anthropic), and tells SDKs not to retry', () => {
    const openai = clientError('openai_chat', 'budget_exceeded', 'Monthly budget of provider main is exhausted');
    expect(openai).toMatchObject({ status: 429, headers: { 'x-should-retry': 'false' } });
    expect(openai.body).toEqual({ error: { message: 'Monthly budget of provider main is exhausted', type: 'insufficient_quota', param: null, code: 'budget_exceeded' } });
    expect(clientError('anthropic_messages', 'budget_exceeded').body).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: 'Budget Exceeded' } });
  });

  it('uses 502 or 503 for an unavailable upstream, 504 for a timeout, and refuses statuses a kind cannot have', () => {
    expect(clientError('openai_chat', 'upstream_unavailable').status).toBe(502);
    const overloaded = clientError('anthropic_messages', 'upstream_unavailable', undefined, { status: 503, retryAfterSeconds: 5 });
    expect(overloaded).toMatchObject({ status: 503, headers: { 'retry-after': '5' }, body: { error: { type: 'overloaded_error' } } });
    expect(clientError('anthropic_messages', 'upstream_timeout')).toMatchObject({ status: 504, body: { error: { type: 'timeout_error' } } });
    expect(clientError('openai_chat', 'upstream_unavailable', undefined, { status: 200 }).status).toBe(502);
    expect(clientError('openai_chat', 'bad_request', undefined, { status: 401 }).status).toBe(400);
    expect(clientError('openai_chat', 'bad_request', 'too big', { status: 413, param: 'input' }).body).toEqual({
      error: { message: 'too big', type: 'invalid_request_error', param: 'input', code: null },
    });
  });

  it('answers 503 when a dependency of the gateway is down', () => {
    expect(clientError('openai_chat', 'service_unavailable', undefined, { retryAfterSeconds: 1 })).toMatchObject({
      status: 503,
      headers: { 'retry-after': '1' },
      body: { error: { type: 'server_error', code: 'service_unavailable' } },
    });
  });
});

const anthropicBody = (type: string, message: string) => ({ type: 'error', error: { type, message } });
const openAiBody = (message: string, type: string, code: string | null) => ({ error: { message, type, param: null, code } });

describe('mapUpstreamError', () => {
  it('turns an Anthropic upstream 401 into an OpenAI-shaped 401, without the upstream message', () => {
    const mapped = mapUpstreamError('openai_chat', 401, anthropicBody('authentication_error', 'invalid x-api-key'), { providerName: 'claude-main' });
    expect(mapped.status).toBe(401);
    expect(mapped.body).toEqual(openAiBody('Invalid API Key for provider claude-main: the provider rejected its credential', 'invalid_request_error', 'invalid_api_key'));
  });

  it('turns an OpenAI upstream 401 into an Anthropic-shaped 401, never echoing the key fragment', () => {
    const mapped = mapUpstreamError('anthropic_messages', 401, openAiBody('Incorrect API key provided: sk-abc***wxyz', 'invalid_request_error', 'invalid_api_key'));
    expect(mapped.body).toEqual(anthropicBody('authentication_error', 'Invalid API Key for the provider: the provider rejected its credential'));
    expect(JSON.stringify(mapped.body)).not.toContain('sk-abc');
  });

  it('passes Retry-After of a 429 on, with the upstream message', () => {
    const mapped = mapUpstreamError('openai_responses', 429, anthropicBody('rate_limit_error', 'Number of requests has exceeded your rate limit'), {
      retryAfter: '17',
      providerName: 'p',
    });
    expect(mapped).toMatchObject({ status: 429, headers: { 'retry-after': '17' } });
    expect(mapped.body).toEqual(openAiBody('Rate Limit Exceeded at provider p: Number of requests has exceeded your rate limit', 'rate_limit_error', 'rate_limit_exceeded'));
  });

  it('maps 404 to Model Not Available and client mistakes to 400 (or their own 4xx)', () => {
    expect(mapUpstreamError('openai_chat', 404, openAiBody('The model `x` does not exist', 'invalid_request_error', 'model_not_found'))).toMatchObject({
      status: 404,
      body: { error: { code: 'model_not_found', message: 'Model Not Available at the provider: The model `x` does not exist' } },
    });
    expect(mapUpstreamError('anthropic_messages', 400, anthropicBody('invalid_request_error', 'messages: field required'))).toMatchObject({
      status: 400,
      body: { error: { type: 'invalid_request_error', message: 'the provider refused the request: messages: field required' } },
    });
    expect(mapUpstreamError('anthropic_messages', 413, 'Request Entity Too Large')).toMatchObject({ status: 413, body: { error: { type: 'request_too_large' } } });
    expect(mapUpstreamError('openai_chat', 403, { error: 'forbidden region' })).toMatchObject({
      status: 403,
      body: { error: { message: 'Permission denied by the provider: forbidden region' } },
    });
  });

  it('maps overload to 503 with Retry-After, other failures to 502, and timeouts to 504', () => {
    expect(mapUpstreamError('anthropic_messages', 529, anthropicBody('overloaded_error', 'Overloaded'), { retryAfter: '3' })).toMatchObject({
      status: 503,
      headers: { 'retry-after': '3' },
      body: { error: { type: 'overloaded_error', message: 'Upstream Unavailable: the provider answered 529: Overloaded' } },
    });
    expect(mapUpstreamError('openai_chat', 500, '<html>oops</html>', { retryAfter: '3' })).toMatchObject({
      status: 502,
      headers: { 'content-type': 'application/json' },
      body: { error: { type: 'server_error', code: 'upstream_unavailable', message: 'Upstream Unavailable: the provider answered 500' } },
    });
    expect(mapUpstreamError('openai_chat', 504, null).status).toBe(504);
    expect(mapUpstreamError('anthropic_messages', 408, null).body).toMatchObject({ error: { type: 'timeout_error' } });
  });

  it('reads top-level messages of OpenAI-compatible servers, and bounds long ones', () => {
    const vllm = { object: 'error', message: 'max_tokens is too large', type: 'BadRequestError', code: 400 };
    expect(mapUpstreamError('openai_chat', 400, JSON.stringify(vllm)).body).toMatchObject({ error: { message: 'the provider refused the request: max_tokens is too large' } });
    const long = mapUpstreamError('openai_chat', 400, { message: 'y'.repeat(2000) });
    expect(JSON.stringify(long.body).length).toBeLessThan(700);
    expect(mapUpstreamError('openai_chat', 429, {}, { retryAfter: 'Wed, 21 Oct 2026 07:28:00 GMT' }).headers['retry-after']).toBeUndefined();
  });
});
