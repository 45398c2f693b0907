import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { readFileSync } from 'node:fs';
import { SseEventReader, type SseEvent } from '../../sse.event-reader.js';
import type { ClientProtocol } from '../../protocol.types.js';
import { createStreamTranslator } from './stream-translator.factory.js';

/**
 * The translated streams, read by the official SDKs' own stream parsers and accumulators: what a client of the
 * gateway will assemble. No network: each client's fetch answers with the translated SSE body.
 */
const FIXTURES = new URL('./fixtures/', import.meta.url);
const encoder = new TextEncoder();

function translate(fixture: string, from: ClientProtocol, to: ClientProtocol, cutAfter?: string): string {
  const translator = createStreamTranslator({ from, to }, { model: 'client-model', includeUsage: true });
  let text = readFileSync(new URL(`${fixture}.sse`, FIXTURES), 'utf8');
  if (cutAfter !== undefined) text = text.slice(0, text.indexOf(cutAfter) + cutAfter.length);
  const reader = new SseEventReader();
  let out = '';
  const onEvent = (event: SseEvent): void => {
    out += translator.push(event);
  };
  reader.push(encoder.encode(text), onEvent);
  reader.end(onEvent);
  return out + translator.end();
}

/** A fetch that answers with the SSE body in 7-byte pieces, so the SDK's own line splitting is exercised too. */
function answering(body: string): typeof fetch {
  return async () => {
    const bytes = encoder.encode(body);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < bytes.length; at += 7) controller.enqueue(bytes.subarray(at, at + 7));
        controller.close();
      },
    });
    return new Response(stream, { status: 200, headers: { 'content-type': 'text/event-stream' } });
  };
}

const openai = (body: string) => new OpenAI({ apiKey: 'sk-test', baseURL: 'http://gateway.test/v1', fetch: answering(body), maxRetries: 0 });
const anthropic = (body: string) => new Anthropic({ apiKey: 'sk-ant-test', baseURL: 'http://gateway.test', fetch: answering(body), maxRetries: 0 });
const chatStream = (body: string) => openai(body).chat.completions.stream({ model: 'client-model', messages: [{ role: 'user', content: 'hi' }], stream_options: { include_usage: true } });
const messageStream = (body: string) => anthropic(body).messages.stream({ model: 'client-model', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
const responseStream = (body: string) => openai(body).responses.stream({ model: 'client-model', input: 'hi' });

/** The stream helper's final response has no `output_text` convenience field: the text is read from the items. */
function textOf(response: OpenAI.Responses.Response): string {
  return response.output.flatMap((item) => (item.type === 'message' ? item.content.map((part) => (part.type === 'output_text' ? part.text : '')) : [])).join('');
}

describe('anthropic_messages → openai_chat, read by the openai SDK', () => {
  it('assembles text, finish reason and usage', async () => {
    const completion = await chatStream(translate('anthropic-text', 'anthropic_messages', 'openai_chat')).finalChatCompletion();
    expect(completion.choices[0]?.message.content).toBe('Hello! Ça va? 😀');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({ prompt_tokens: 25, completion_tokens: 15, total_tokens: 40 });
  });

  it('assembles several tool calls with parseable arguments and cached tokens', async () => {
    const completion = await chatStream(translate('anthropic-parallel-tools-cached', 'anthropic_messages', 'openai_chat')).finalChatCompletion();
    const calls = completion.choices[0]?.message.tool_calls ?? [];
    expect(calls.map((c) => (c.type === 'function' ? [c.id, c.function.name, JSON.parse(c.function.arguments)] : null))).toEqual([
      ['toolu_01A', 'get_weather', { location: 'Paris' }],
      ['toolu_01B', 'get_time', { tz: 'Europe/Paris' }],
      ['toolu_01C', 'list_alerts', {}],
    ]);
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(completion.usage).toMatchObject({ prompt_tokens: 2160, completion_tokens: 57, prompt_tokens_details: { cached_tokens: 2048 } });
  });

  it('raises an upstream error mid-stream as an API error', async () => {
    await expect(chatStream(translate('anthropic-error', 'anthropic_messages', 'openai_chat')).finalChatCompletion()).rejects.toThrow(/Overloaded/);
  });

  it('rejects a cut stream instead of waiting or taking it for whole', async () => {
    const body = translate('anthropic-text', 'anthropic_messages', 'openai_chat', '"text": "Hello"}}\n\n');
    await expect(chatStream(body).finalChatCompletion()).rejects.toThrow(/finish_reason/);
  });
});

describe('openai_chat → anthropic_messages, read by the anthropic SDK', () => {
  it('assembles text, stop reason and usage', async () => {
    const message = await messageStream(translate('openai-chat-text', 'openai_chat', 'anthropic_messages')).finalMessage();
    expect(message.content).toEqual([expect.objectContaining({ type: 'text', text: 'Hello there! Ça va? 😀' })]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage).toMatchObject({ input_tokens: 19, output_tokens: 10 });
  });

  it('assembles two tool calls with their inputs and cached tokens', async () => {
    const message = await messageStream(translate('openai-chat-tools', 'openai_chat', 'anthropic_messages')).finalMessage();
    expect(message.content.map((b) => (b.type === 'tool_use' ? [b.id, b.name, b.input] : b.type))).toEqual([
      ['call_DdmO9pD3xa9XTPNJ32zg2hcA', 'get_weather', { location: 'Paris' }],
      ['call_ABSg8Fc1r5hKkTd2bCZ9', 'get_time', { tz: 'Europe/Paris' }],
    ]);
    expect(message.stop_reason).toBe('tool_use');
    expect(message.usage).toMatchObject({ input_tokens: 180, output_tokens: 41, cache_read_input_tokens: 1920 });
  });

  it('raises an upstream error mid-stream', async () => {
    await expect(messageStream(translate('openai-chat-error', 'openai_chat', 'anthropic_messages')).finalMessage()).rejects.toThrow(/server had an error/);
  });

  it('rejects a cut stream (no message_stop) instead of waiting or taking it for whole', async () => {
    const body = translate('openai-chat-text', 'openai_chat', 'anthropic_messages', '"content":"Hello"},"logprobs":null,"finish_reason":null}],"usage":null}\n\n');
    const stream = messageStream(body);
    const texts: string[] = [];
    stream.on('text', (delta) => texts.push(delta));
    await expect(stream.finalMessage()).rejects.toThrow(/ended without producing a Message/);
    expect(texts).toEqual(['Hello']);
  });
});

describe('anthropic_messages → openai_responses, read by the openai SDK', () => {
  it('assembles text and tool call items, status and usage', async () => {
    const response = await responseStream(translate('anthropic-tool-use', 'anthropic_messages', 'openai_responses')).finalResponse();
    expect(response.status).toBe('completed');
    expect(textOf(response)).toBe("Okay, let's check the weather for San Francisco, CA:");
    const call = response.output.find((item) => item.type === 'function_call');
    expect(call).toMatchObject({ call_id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather' });
    expect(JSON.parse(call?.type === 'function_call' ? call.arguments : '')).toEqual({ location: 'San Francisco, CA', unit: 'fahrenheit' });
    expect(response.usage).toMatchObject({ input_tokens: 472, output_tokens: 89, total_tokens: 561 });
  });

  it('tells an answer cut by max_tokens as incomplete', async () => {
    const stream = responseStream(translate('anthropic-thinking', 'anthropic_messages', 'openai_responses'));
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types.at(-1)).toBe('response.incomplete');
    expect(types).toContain('response.output_text.done');
  });

  it('ends the stream on an upstream error: the SDK rejects with the error event', async () => {
    const stream = responseStream(translate('anthropic-error', 'anthropic_messages', 'openai_responses'));
    const types: string[] = [];
    stream.on('event', (event) => types.push(event.type));
    await expect(stream.finalResponse()).rejects.toMatchObject({ type: 'error', code: 'upstream_unavailable', message: 'Upstream error: Overloaded' });
    expect(types.slice(-2)).toEqual(['response.output_text.delta', 'error']);
  });

  it('settles a cut stream on the in-progress snapshot', async () => {
    const response = await responseStream(translate('anthropic-text', 'anthropic_messages', 'openai_responses', '"text": "Hello"}}\n\n')).finalResponse();
    expect(response.status).toBe('in_progress');
    expect(textOf(response)).toBe('Hello');
  });
});
