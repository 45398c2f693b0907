import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { SseEventReader, type SseEvent } from '../../sse.event-reader.js';
import type { ClientProtocol } from '../../protocol.types.js';
import { createStreamTranslator } from './stream-translator.factory.js';

const FIXTURES = new URL('./fixtures/', import.meta.url);
const GOLDEN = new URL('./fixtures/golden/', import.meta.url);
const encoder = new TextEncoder();

interface Case {
  readonly fixture: string;
  readonly from: ClientProtocol;
  readonly to: ClientProtocol;
  readonly includeUsage?: boolean;
}

const CASES: readonly Case[] = [
  ...['anthropic-text', 'anthropic-tool-use', 'anthropic-parallel-tools-cached', 'anthropic-thinking', 'anthropic-error'].flatMap((fixture): Case[] => [
    { fixture, from: 'anthropic_messages', to: 'openai_chat', includeUsage: true },
    { fixture, from: 'anthropic_messages', to: 'openai_responses' },
  ]),
  { fixture: 'anthropic-text', from: 'anthropic_messages', to: 'openai_chat', includeUsage: false },
  ...['openai-chat-text', 'openai-chat-tools', 'openai-chat-error'].map((fixture): Case => ({ fixture, from: 'openai_chat', to: 'anthropic_messages' })),
];

const nameOf = (c: Case): string => `${c.fixture}.${c.to}${c.includeUsage === false ? '.no-usage' : ''}.sse`;

/** Feeds the upstream bytes in the given chunks through the reader the gateway runs, then the translator. */
function translate(c: Case, chunks: readonly Uint8Array[]): string {
  const translator = createStreamTranslator({ from: c.from, to: c.to }, { model: 'client-model', includeUsage: c.includeUsage ?? false, createdAt: 1700000000 });
  const reader = new SseEventReader();
  let out = '';
  const onEvent = (event: SseEvent): void => {
    out += translator.push(event);
  };
  for (const chunk of chunks) reader.push(chunk, onEvent);
  reader.end(onEvent);
  return out + translator.end();
}

function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  const reader = new SseEventReader();
  reader.push(encoder.encode(text), (e) => events.push(e));
  reader.end((e) => events.push(e));
  return events;
}

function upstream(c: Case): Uint8Array {
  return encoder.encode(readFileSync(new URL(`${c.fixture}.sse`, FIXTURES), 'utf8'));
}

describe('stream translation golden files', () => {
  it.each(CASES.map((c) => [nameOf(c), c] as const))('%s', (name, c) => {
    const out = translate(c, [upstream(c)]);
    const golden = new URL(name, GOLDEN);
    // Regenerating is a deliberate act: review the diff of every golden file it rewrites.
    if (process.env['UPDATE_GOLDEN'] === '1' || !existsSync(golden)) {
      mkdirSync(GOLDEN, { recursive: true });
      writeFileSync(golden, out);
      if (process.env['UPDATE_GOLDEN'] !== '1') throw new Error(`golden file ${name} was missing: written, review it`);
    }
    expect(out).toBe(readFileSync(golden, 'utf8'));
  });

  it.each(CASES.map((c) => [nameOf(c), c] as const))('%s is valid SSE with JSON data, named as its type', (_name, c) => {
    const text = translate(c, [upstream(c)]);
    expect(text.endsWith('\n\n')).toBe(true);
    const events = parseSse(text);
    expect(events.length).toBeGreaterThan(1);
    let sequence = 0;
    for (const event of events) {
      if (event.data === '[DONE]') {
        expect(c.to).toBe('openai_chat');
        continue;
      }
      const data = JSON.parse(event.data) as Record<string, unknown>;
      if (c.to === 'openai_chat') {
        expect(event.event).toBeNull();
        continue;
      }
      expect(event.event).toBe(data['type']);
      if (c.to === 'openai_responses') expect(data['sequence_number']).toBe(sequence++);
    }
  });

  it('gives the same output whatever byte boundaries split the upstream stream', () => {
    for (const c of CASES.filter((k) => ['anthropic-text', 'anthropic-tool-use', 'openai-chat-tools'].includes(k.fixture))) {
      const bytes = upstream(c);
      const whole = translate(c, [bytes]);
      for (let cut = 1; cut < bytes.length; cut++) expect(translate(c, [bytes.subarray(0, cut), bytes.subarray(cut)])).toBe(whole);
      expect(translate(c, [...bytes].map((b) => Uint8Array.of(b)))).toBe(whole);
    }
  });
});
