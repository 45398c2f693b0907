import { appError, fail, ok } from '@switchboard/contracts';
import { CLIENT_KEY, CredentialsFake, INPUT_TOKENS, MODEL, OUTPUT_TOKENS, PROVIDER_ID, REPLY, SECRET_ID, TENANT_ID, UPSTREAM_KEY, cachedKey, chatCall, credentialOf, deadline, forwardOnce, meterFor, mockedUpstream, routeTo, sseData, stageWith, type Json } from '../../../test/forward-stage.fixtures.js';
import type { ForwardCall } from './forward.stage.js';
import { upstreamUrl } from '../route/model.resolution.js';

describe('forward stage: relaying, credentials', () => {
  const upstream = mockedUpstream();

  it("relays a whole answer with its status and body, meters it, and sends the provider's key upstream, never the client's", async () => {
    const credentials = cachedKey();
    const { stage, verdicts } = stageWith(upstream.client, credentials);
    const meter = meterFor('openai_chat', false);
    const call = chatCall(upstream.endpoint);

    const relayed = await forwardOnce(stage, call, meter, deadline());

    expect(relayed.outcome).toEqual({ kind: 'answered', opensCircuit: false });
    expect(relayed.status).toBe(200);
    expect(relayed.headers).toMatchObject({ 'content-type': 'application/json', 'x-content-type-options': 'nosniff', 'x-request-id': 'req_fwd_1' });
    expect(relayed.json()).toMatchObject({
      object: 'chat.completion',
      model: MODEL.upstreamModel,
      choices: [{ message: { role: 'assistant', content: REPLY } }],
      usage: { prompt_tokens: INPUT_TOKENS, completion_tokens: OUTPUT_TOKENS },
    });
    expect(meter.ttfbMs).toEqual(expect.any(Number));
    expect(meter.usage).toMatchObject({ inputTokens: INPUT_TOKENS, outputTokens: OUTPUT_TOKENS, cachedTokens: 0 });
    expect(meter.usageComplete).toBe(true);
    expect(meter.accepted).toBe(true);
    expect(meter.errorKind).toBeUndefined();
    expect(meter.responseModel).toBe(MODEL.upstreamModel);

    const calls = upstream.mock.calls();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ endpoint: 'chat_completions', status: 200, stream: false, body: JSON.parse(call.payload) as Json });
    expect(calls[0]?.headers['authorization']).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(calls[0]?.headers['accept']).toBe('application/json');
    expect(JSON.stringify(calls[0]?.headers)).not.toContain(CLIENT_KEY);
    // The key was cached: nothing fetched, and an accepted key on a provider not shown rejected is not reported.
    expect(credentials.fetched).toEqual([]);
    expect(verdicts).toEqual([]);
  });

  it("speaks Anthropic's auth to an Anthropic provider: the key as x-api-key, the client's anthropic-version passed on", async () => {
    const { stage } = stageWith(upstream.client, cachedKey());
    const meter = meterFor('anthropic_messages', false);
    const payload = JSON.stringify({ model: 'claude-mock', max_tokens: 20, messages: [{ role: 'user', content: 'Say hello' }] });
    const call: ForwardCall = {
      protocol: 'anthropic_messages',
      route: routeTo({ endpoint: upstream.endpoint, protocol: 'anthropic_messages', authMethod: 'x_api_key' }),
      model: { ...MODEL, upstreamModel: 'claude-mock' },
      url: upstreamUrl(upstream.endpoint, '/messages'),
      payload,
      stream: false,
      stripUsageChunk: false,
      anthropicVersion: '2023-06-01',
      translation: null,
    };

    const relayed = await forwardOnce(stage, call, meter, deadline());

    expect(relayed.status).toBe(200);
    expect(relayed.json()).toMatchObject({ type: 'message', content: [{ type: 'text', text: REPLY }], usage: { output_tokens: 20 } });
    expect(meter.usage).toMatchObject({ inputTokens: INPUT_TOKENS, outputTokens: 20 });
    const seen = upstream.mock.calls()[0]?.headers ?? {};
    expect(seen['x-api-key']).toBe(UPSTREAM_KEY);
    expect(seen['anthropic-version']).toBe('2023-06-01');
    expect(seen['authorization']).toBeUndefined();
  });

  it('relays a streamed answer as SSE events as they come, and meters its usage from the stream', async () => {
    const { stage } = stageWith(upstream.client, cachedKey());
    const meter = meterFor('openai_chat', true);

    const relayed = await forwardOnce(stage, chatCall(upstream.endpoint, { stream: true }), meter, deadline());

    expect(relayed.outcome).toEqual({ kind: 'answered', opensCircuit: false });
    expect(relayed.status).toBe(200);
    expect(relayed.headers).toMatchObject({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-request-id': 'req_fwd_1' });
    const data = sseData(relayed.body);
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as { choices: Array<{ delta: { content?: string | null } }>; usage?: Json | null });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe(REPLY);
    // The usage chunk the client asked for is relayed as the upstream sent it.
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: INPUT_TOKENS, completion_tokens: OUTPUT_TOKENS } });
    expect(meter.usage).toMatchObject({ inputTokens: INPUT_TOKENS, outputTokens: OUTPUT_TOKENS });
    expect(meter.usageComplete).toBe(true);
    expect(meter.firstChunkMs).toEqual(expect.any(Number));
    expect(meter.ttfbMs).toEqual(expect.any(Number));
    expect(meter.accepted).toBe(true);
    expect(meter.errorKind).toBeUndefined();
    expect(upstream.mock.calls()[0]).toMatchObject({ stream: true, status: 200, headers: { accept: 'text/event-stream', authorization: `Bearer ${UPSTREAM_KEY}` } });
  });

  it('keeps the usage chunk from a client that did not ask for it, and still meters the usage it carried', async () => {
    const { stage } = stageWith(upstream.client, cachedKey());
    const meter = meterFor('openai_chat', true);

    const relayed = await forwardOnce(stage, chatCall(upstream.endpoint, { stream: true, stripUsageChunk: true }), meter, deadline());

    const data = sseData(relayed.body);
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as { choices: unknown[]; usage?: Json | null });
    expect(chunks.map((c) => c.choices.length)).not.toContain(0);
    expect(relayed.body).not.toContain('prompt_tokens');
    expect(meter.usage).toMatchObject({ inputTokens: INPUT_TOKENS, outputTokens: OUTPUT_TOKENS });
  });

  it("fetches a credential that is not cached with the cache's get, and calls the upstream with it", async () => {
    const credentials = new CredentialsFake(ok(credentialOf(UPSTREAM_KEY)));
    const { stage } = stageWith(upstream.client, credentials);
    const meter = meterFor('openai_chat', false);

    const relayed = await forwardOnce(stage, chatCall(upstream.endpoint), meter, deadline());

    expect(credentials.fetched).toEqual([`${TENANT_ID}/${SECRET_ID}`]);
    expect(relayed.status).toBe(200);
    expect(upstream.mock.calls().map((c) => c.headers['authorization'])).toEqual([`Bearer ${UPSTREAM_KEY}`]);
  });

  it('answers 503 when the credential cannot be obtained, and sends nothing upstream', async () => {
    const credentials = new CredentialsFake(fail(appError('unavailable', 'credentials-service did not answer')));
    const { stage, lines } = stageWith(upstream.client, credentials);
    const meter = meterFor('openai_chat', false);

    const relayed = await forwardOnce(stage, chatCall(upstream.endpoint), meter, deadline());

    expect(credentials.fetched).toEqual([`${TENANT_ID}/${SECRET_ID}`]);
    expect(relayed.outcome).toEqual({ kind: 'answered', opensCircuit: false });
    expect(relayed.status).toBe(503);
    expect(relayed.headers['retry-after']).toEqual(expect.stringMatching(/^\d+$/));
    expect(relayed.json()).toEqual({
      error: {
        message: "Service Unavailable: the provider's credential could not be obtained; try again",
        type: 'server_error',
        param: null,
        code: 'service_unavailable',
      },
    });
    expect(meter.errorKind).toBe('service_unavailable');
    expect(meter.accepted).toBe(false);
    expect(meter.ttfbMs).toBeNull();
    expect(upstream.mock.calls()).toEqual([]);
    expect(lines).toEqual([{ level: 'warn', message: 'provider credential unavailable', fields: { providerId: PROVIDER_ID, code: 'unavailable' } }]);
  });

  it("drops a credential the upstream refuses (401), reports it rejected, and answers the client's 401 without the key", async () => {
    const wrongKey = 'sk-rotated-away-key-9876543210';
    const credentials = cachedKey(wrongKey);
    const { stage, verdicts, lines } = stageWith(upstream.client, credentials);
    const meter = meterFor('openai_chat', false);

    const relayed = await forwardOnce(stage, chatCall(upstream.endpoint, { mayFailOver: true }), meter, deadline());

    // A refused key is the call's own answer: another target would not be tried for it, nor a circuit counted.
    expect(relayed.outcome).toEqual({ kind: 'answered', opensCircuit: false });
    expect(upstream.mock.calls()).toMatchObject([{ status: 401, headers: { authorization: `Bearer ${wrongKey}` } }]);
    expect(credentials.dropped).toEqual([SECRET_ID]);
    expect(credentials.peek(TENANT_ID, SECRET_ID)).toBeUndefined();
    expect(verdicts).toEqual([{ tenantId: TENANT_ID, providerId: PROVIDER_ID, secretId: SECRET_ID, state: 'rejected' }]);
    expect(relayed.status).toBe(401);
    expect(relayed.json()).toMatchObject({
      error: { code: 'invalid_api_key', type: 'invalid_request_error', message: `Invalid API Key for provider ${PROVIDER_ID}: the provider rejected its credential` },
    });
    // The upstream's message echoes part of the key: neither it nor any part of it reaches the client or the log.
    expect(relayed.body).not.toContain(wrongKey);
    expect(relayed.body).not.toContain(wrongKey.slice(-4));
    expect(JSON.stringify(lines)).not.toContain(wrongKey.slice(-4));
    expect(meter.errorKind).toBe('invalid_api_key');
    expect(meter.accepted).toBe(false);
  });

  it('tells credential checks the key works again when a provider shown rejected answers', async () => {
    const { stage, verdicts } = stageWith(upstream.client, cachedKey());
    const relayed = await forwardOnce(stage, chatCall(upstream.endpoint, { credentialState: 'rejected' }), meterFor('openai_chat', false), deadline());
    expect(relayed.status).toBe(200);
    expect(verdicts).toEqual([{ tenantId: TENANT_ID, providerId: PROVIDER_ID, secretId: SECRET_ID, state: 'valid' }]);
  });
});
