import { MockLlmUpstream } from '@switchboard/testing';
import { prepareUpstreamBody } from './proxy-request.parser.js';
import type { ClientProtocol } from './protocol.types.js';
import { UsageTracker } from './sse.usage-tracker.js';
import { UsageChunkStripper } from './usage-chunk.stripper.js';
import { usageFromResponse } from './usage.extractor.js';

/**
 * The transforms against real wire bytes (the mock upstream over loopback): what the tracker reads
 * must equal what the upstream says it reported, for whole and cut streams alike.
 */
describe('usage extraction against the mock upstream', () => {
  let mock: MockLlmUpstream;

  beforeAll(async () => {
    mock = await new MockLlmUpstream({ inputTokens: 120, cachedTokens: 48, chunks: 6 }).start();
  });

  afterAll(() => mock.stop());

  beforeEach(() => {
    mock.resetCalls();
    mock.configure({ fault: null });
  });

  const routes: Record<ClientProtocol, { path: string; body: Record<string, unknown>; headers: Record<string, string> }> = {
    openai_chat: { path: '/v1/chat/completions', body: { model: 'alias', messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: 30 }, headers: {} },
    openai_responses: { path: '/v1/responses', body: { model: 'alias', input: 'hi', max_output_tokens: 30 }, headers: {} },
    anthropic_messages: { path: '/v1/messages', body: { model: 'alias', messages: [{ role: 'user', content: 'hi' }], max_tokens: 30 }, headers: { 'anthropic-version': '2023-06-01' } },
  };

  async function call(protocol: ClientProtocol, stream: boolean): Promise<Response> {
    const route = routes[protocol];
    const { body } = prepareUpstreamBody(protocol, { ...route.body, stream }, { upstreamModel: 'upstream-model' });
    return fetch(`${mock.baseUrl}${route.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...route.headers },
      body: JSON.stringify(body),
    });
  }

  async function trackStream(protocol: ClientProtocol, answer: Response): Promise<UsageTracker> {
    const tracker = new UsageTracker(protocol);
    const reader = (answer.body as ReadableStream<Uint8Array>).getReader();
    try {
      for (let read = await reader.read(); !read.done; read = await reader.read()) tracker.push(read.value);
    } catch {
      // A cut stream: the tracker keeps what arrived before the cut.
    }
    tracker.end();
    return tracker;
  }

  it.each(['openai_chat', 'openai_responses', 'anthropic_messages'] as const)('reads %s usage from a whole answer as the upstream reported it', async (protocol) => {
    const plain = await call(protocol, false);
    expect(usageFromResponse(protocol, await plain.json())).toEqual({ inputTokens: 120, outputTokens: 30, cachedTokens: 48 });
    const tracker = await trackStream(protocol, await call(protocol, true));
    expect(tracker.usage()).toEqual({ inputTokens: 120, outputTokens: 30, cachedTokens: 48 });
    expect(tracker.sawFirstToken).toBe(true);
    expect(mock.calls().map((c) => c.usage)).toEqual([tracker.usage(), tracker.usage()]);
    expect(mock.calls().map((c) => c.model)).toEqual(['upstream-model', 'upstream-model']);
  });

  it.each(['openai_chat', 'openai_responses', 'anthropic_messages'] as const)('reads from a %s stream cut midway exactly what the upstream reported', async (protocol) => {
    mock.configure({ fault: { kind: 'cut', afterChunks: 3 } });
    const tracker = await trackStream(protocol, await call(protocol, true));
    expect(tracker.usage()).toEqual(mock.calls()[0]?.usage);
    expect(tracker.sawFirstToken).toBe(true);
  });

  it('strips the usage chunk the proxy forced on a chat stream, leaving the stream otherwise intact', async () => {
    const answer = await call('openai_chat', true);
    const stripper = new UsageChunkStripper();
    const decoder = new TextDecoder();
    let text = '';
    const reader = (answer.body as ReadableStream<Uint8Array>).getReader();
    for (let read = await reader.read(); !read.done; read = await reader.read()) text += decoder.decode(stripper.push(read.value), { stream: true });
    text += decoder.decode(stripper.end());
    const data = text.split('\n\n').filter((frame) => frame.startsWith('data: ')).map((frame) => frame.slice(6));
    expect(data[data.length - 1]).toBe('[DONE]');
    expect(data.slice(0, -1).map((d) => JSON.parse(d) as { choices: unknown[] }).every((chunk) => chunk.choices.length === 1)).toBe(true);
    expect(data).toHaveLength(1 + 6 + 1 + 1);
    expect(mock.calls()[0]?.body).toMatchObject({ stream_options: { include_usage: true } });
  });
});
