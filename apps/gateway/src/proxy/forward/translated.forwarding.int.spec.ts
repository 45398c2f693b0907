import { Readable } from 'node:stream';
import Fastify from 'fastify';
import type { ClientProtocol } from '@switchboard/llm-protocols';
import type { UpstreamResponse } from '@switchboard/upstream';
import { CallMeter } from '../meter/call.meter.js';
import { fastifyExchange } from '../pipeline/fastify.exchange.js';
import type { ProxyExchange } from '../pipeline/proxy.exchange.js';
import { CallDeadline } from './call.deadline.js';
import { forwardStream } from './stream.forwarder.js';
import type { CallTranslation } from './translation.js';
import { TRANSLATED_ANSWER_BYTES, forwardWhole } from './upstream.forwarder.js';

type Json = Record<string, unknown>;

const sse = (type: string, data: Json): string => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
const message = {
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  model: 'claude-upstream',
  content: [{ type: 'text', text: 'Hi there.' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 20, output_tokens: 6, cache_read_input_tokens: 5 },
};
const events = [
  sse('message_start', { message: { ...message, content: [], stop_reason: null, usage: { input_tokens: 20, cache_read_input_tokens: 5, output_tokens: 1 } } }),
  sse('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
  sse('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hi ' } }),
  sse('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'there.' } }),
  sse('content_block_stop', { index: 0 }),
  sse('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 6 } }),
  sse('message_stop', {}),
];

function upstream(contentType: string, chunks: readonly string[]): UpstreamResponse {
  return { status: 200, headers: { 'content-type': contentType }, body: Readable.from(chunks.map((c) => Buffer.from(c))) };
}

function meterFor(client: ClientProtocol, dialect: ClientProtocol | null): CallMeter {
  const meter = new CallMeter({ tenantId: 't', agentId: 'a', providerId: 'prv_1', model: 'fast', protocol: client, stream: true });
  meter.upstreamDialect = dialect;
  return meter;
}

/** Runs one forwarder behind a real Fastify route on loopback and returns what the client got. */
async function relay(forward: (exchange: ProxyExchange) => Promise<unknown>) {
  const app = Fastify();
  app.post('/', async (request, reply) => {
    await forward(fastifyExchange(request, reply));
    return reply;
  });
  try {
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const response = await fetch(`${address}/`, { method: 'POST' });
    const body = await response.text();
    return { statusCode: response.status, headers: Object.fromEntries(response.headers), body, json: (): unknown => JSON.parse(body) };
  } finally {
    await app.close();
  }
}

const toChat: CallTranslation = { upstream: 'anthropic_messages', includeUsage: true, model: 'fast' };
const deadline = (): CallDeadline => new CallDeadline(60_000);

describe('a translated call forwarded: answers in the client dialect, usage read in the upstream one', () => {
  it('streams Anthropic events to a chat client as chunks, keeping the usage the client asked for', async () => {
    const meter = meterFor('openai_chat', 'anthropic_messages');
    const response = await relay((exchange) => forwardStream(exchange, upstream('text/event-stream', events), meter, false, 'http://up', deadline(), toChat));
    const data = response.body
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => line.slice('data: '.length));
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as { choices: { delta: { content?: string } }[]; usage?: Json | null });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Hi there.');
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 25, completion_tokens: 6 });
    expect(response.body).not.toContain('message_start');
    expect(meter.usage).toMatchObject({ inputTokens: 25, outputTokens: 6, cachedTokens: 5 });
    expect(meter.usageComplete).toBe(true);
  });

  it('rewrites a whole Messages answer as a chat completion, its content-length that of the rewritten body', async () => {
    const meter = meterFor('openai_chat', 'anthropic_messages');
    const response = await relay((exchange) => forwardWhole(exchange, upstream('application/json', [JSON.stringify(message)]), meter, 'http://up', deadline(), toChat));
    expect(response.statusCode).toBe(200);
    expect(Number(response.headers['content-length'])).toBe(Buffer.byteLength(response.body));
    expect(response.json()).toMatchObject({ object: 'chat.completion', model: 'fast', choices: [{ message: { content: 'Hi there.' } }] });
    expect(meter.usage).toMatchObject({ inputTokens: 25, outputTokens: 6, cachedTokens: 5 });
  });

  it('answers an upstream body it cannot read as a 502 naming the provider, the usage still unknown', async () => {
    const meter = meterFor('openai_chat', 'anthropic_messages');
    let failure: unknown;
    await relay(async (exchange) => {
      failure = await forwardWhole(exchange, upstream('application/json', ['[1,2']), meter, 'http://up', deadline(), toChat);
      exchange.send(204, {}, '');
    });
    expect(failure).toMatchObject({ status: 502, body: { error: { message: expect.stringContaining('prv_1') } } });
    expect(meter.usage).toBeNull();
  });

  it('refuses to translate an answer over TRANSLATED_ANSWER_BYTES, with a 502 rather than a cut or unbounded read', async () => {
    const meter = meterFor('openai_chat', 'anthropic_messages');
    const filler = 'x'.repeat(1024 * 1024);
    const chunks = [`{"id":"msg_1","type":"message","content":[{"type":"text","text":"`, ...Array.from({ length: TRANSLATED_ANSWER_BYTES / filler.length + 1 }, () => filler)];
    let failure: unknown;
    await relay(async (exchange) => {
      failure = await forwardWhole(exchange, upstream('application/json', chunks), meter, 'http://up', deadline(), toChat);
      exchange.send(204, {}, '');
    });
    expect(failure).toMatchObject({ status: 502, body: { error: { message: expect.stringContaining('too large to translate') } } });
    expect(meter.errorKind).toBe('upstream_too_large');
  });

  it("ends a translated stream cut at the deadline with an error event in the client's dialect, not a clean end", async () => {
    const meter = meterFor('anthropic_messages', 'openai_chat');
    const chatChunk = (delta: Json, finish: string | null = null): string =>
      `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    const body = new Readable({ read: () => undefined });
    body.push(chatChunk({ role: 'assistant', content: '' }));
    body.push(chatChunk({ content: 'partial' }));
    // Finished but cut before its usage chunk and [DONE]: the client must not be told the message stopped cleanly.
    body.push(chatChunk({}, 'stop'));
    const cut = new CallDeadline(300);
    // As the upstream client does: the deadline's abort destroys the body being read.
    cut.signal.addEventListener('abort', () => body.destroy(new Error('aborted')));
    const translation: CallTranslation = { upstream: 'openai_chat', includeUsage: false, model: 'fast' };
    const response = await relay((exchange) => forwardStream(exchange, { status: 200, headers: { 'content-type': 'text/event-stream' }, body }, meter, false, 'http://up', cut, translation));
    expect(response.body).toContain('"type":"text_delta"');
    expect(response.body).not.toContain('message_stop');
    expect(response.body.trimEnd().split('\n\n').at(-1)).toMatch(/^event: error\ndata: \{"type":"error","error":\{"type":"timeout_error"/);
    expect(meter.errorKind).toBe('upstream_timeout');
  });

  it('relays an untranslated stream untouched, its usage read in its own dialect', async () => {
    const meter = meterFor('anthropic_messages', null);
    const response = await relay((exchange) => forwardStream(exchange, upstream('text/event-stream', events), meter, false, 'http://up', deadline(), null));
    expect(response.body).toBe(events.join(''));
    expect(meter.usage).toMatchObject({ inputTokens: 25, outputTokens: 6 });
  });
});
