import { readdirSync, readFileSync } from 'node:fs';
import { isJsonObject } from '../../json.guards.js';
import type { JsonObject } from '../../protocol.types.js';
import { translateRequest } from '../translate-request.js';
import type { Direction } from '../translate.types.js';

/**
 * The rules each API enforces on a request body, as documented, checked on every translation this suite makes: a
 * translated body that breaks one would earn the client a 400 from the upstream instead of an answer.
 */
const ANTHROPIC_FIELDS = new Set(['model', 'messages', 'system', 'max_tokens', 'stop_sequences', 'temperature', 'top_p', 'stream', 'metadata', 'tools', 'tool_choice']);
const CHAT_FIELDS = new Set(['model', 'messages', 'max_completion_tokens', 'stop', 'temperature', 'top_p', 'stream', 'stream_options', 'user', 'tools', 'tool_choice', 'parallel_tool_calls']);

const objects = (value: unknown): JsonObject[] => (Array.isArray(value) ? value.filter(isJsonObject) : []);
const idsOf = (blocks: JsonObject[], type: string, key: string) => blocks.filter((b) => b['type'] === type).map((b) => String(b[key]));

function anthropicProblems(body: Record<string, unknown>): string[] {
  const problems = Object.keys(body).filter((key) => !ANTHROPIC_FIELDS.has(key)).map((key) => `unknown field ${key}`);
  if (typeof body['model'] !== 'string') problems.push('model missing');
  if (!Number.isSafeInteger(body['max_tokens']) || Number(body['max_tokens']) < 1) problems.push('max_tokens missing');
  const temperature = body['temperature'];
  if (temperature !== undefined && (typeof temperature !== 'number' || temperature < 0 || temperature > 1)) problems.push('temperature out of 0..1');
  const system = body['system'];
  if (system !== undefined && typeof system !== 'string' && !objects(system).every((b) => b['type'] === 'text' && String(b['text']).trim() !== '')) problems.push('bad system');
  for (const tool of objects(body['tools'])) if (typeof tool['name'] !== 'string' || !isJsonObject(tool['input_schema']) || tool['input_schema']['type'] !== 'object') problems.push('bad tool');
  const messages = objects(body['messages']);
  if (messages.length === 0) problems.push('no messages');
  messages.forEach((message, index) => {
    const content = objects(message['content']);
    if (content.length === 0) problems.push(`messages[${index}] empty`);
    if (index > 0 && message['role'] === messages[index - 1]?.['role']) problems.push(`messages[${index}] repeats a role`);
    if (content.some((b) => b['type'] === 'text' && String(b['text']).trim() === '')) problems.push(`messages[${index}] empty text`);
    const firstOther = content.findIndex((b) => b['type'] !== 'tool_result');
    if (firstOther >= 0 && content.slice(firstOther).some((b) => b['type'] === 'tool_result')) problems.push(`messages[${index}] tool result after text`);
    for (const use of content.filter((b) => b['type'] === 'tool_use')) {
      if (!/^[a-zA-Z0-9_-]+$/.test(String(use['id'])) || !isJsonObject(use['input'])) problems.push(`messages[${index}] bad tool_use`);
      if (!idsOf(objects(messages[index + 1]?.['content']), 'tool_result', 'tool_use_id').includes(String(use['id'])) && index + 1 < messages.length) problems.push(`${String(use['id'])} unanswered`);
    }
    for (const id of idsOf(content, 'tool_result', 'tool_use_id')) if (!idsOf(objects(messages[index - 1]?.['content']), 'tool_use', 'id').includes(id)) problems.push(`${id} without its call`);
  });
  return problems;
}

function chatProblems(body: Record<string, unknown>): string[] {
  const problems = Object.keys(body).filter((key) => !CHAT_FIELDS.has(key)).map((key) => `unknown field ${key}`);
  if (typeof body['model'] !== 'string') problems.push('model missing');
  if (body['stream_options'] !== undefined && body['stream'] !== true) problems.push('stream_options without stream');
  if (body['parallel_tool_calls'] !== undefined && objects(body['tools']).length === 0) problems.push('parallel_tool_calls without tools');
  if (Array.isArray(body['stop']) && body['stop'].length > 4) problems.push('more than 4 stops');
  const messages = objects(body['messages']);
  if (messages.length === 0) problems.push('no messages');
  let pending: string[] = [];
  messages.forEach((message, index) => {
    const role = message['role'];
    if (role === 'tool') {
      const id = String(message['tool_call_id']);
      if (!pending.includes(id)) problems.push(`messages[${index}] answers no pending call`);
      pending = pending.filter((p) => p !== id);
      if (typeof message['content'] !== 'string') problems.push(`messages[${index}] tool content not text`);
      return;
    }
    if (pending.length > 0) problems.push(`calls ${pending.join(',')} unanswered before messages[${index}]`);
    const calls = objects(message['tool_calls']);
    pending = calls.map((c) => String(c['id']));
    for (const c of calls) {
      const fn = isJsonObject(c['function']) ? c['function'] : {};
      if (c['type'] !== 'function' || typeof fn['name'] !== 'string' || !isJsonObject(JSON.parse(String(fn['arguments'])))) problems.push(`messages[${index}] bad tool call`);
    }
    if (!['system', 'user', 'assistant'].includes(String(role))) problems.push(`messages[${index}] bad role`);
    if (message['content'] === null && calls.length === 0) problems.push(`messages[${index}] no content`);
  });
  return problems;
}

const problemsOf = (direction: Direction) => (direction.to === 'anthropic_messages' ? anthropicProblems : chatProblems);

const FIXTURES = new URL('../fixtures/', import.meta.url);
const goldenInputs = readdirSync(FIXTURES)
  .filter((file) => file.startsWith('request.'))
  .map((file) => {
    const golden = JSON.parse(readFileSync(new URL(file, FIXTURES), 'utf8')) as { direction: Direction; input: JsonObject };
    return [file, golden.direction, golden.input] as const;
  });

const CHAT: Direction = { from: 'openai_chat', to: 'anthropic_messages' };
const RESPONSES: Direction = { from: 'openai_responses', to: 'anthropic_messages' };
const MESSAGES: Direction = { from: 'anthropic_messages', to: 'openai_chat' };
const callOf = (id: string) => ({ id, type: 'function', function: { name: 'f', arguments: '{"q":1}' } });

const TRICKY: ReadonlyArray<readonly [string, Direction, JsonObject]> = [
  ['an assistant turn first, then two user turns', CHAT, { model: 'm', messages: [{ role: 'assistant', content: 'Hello' }, { role: 'user', content: 'a' }, { role: 'user', content: [{ type: 'text', text: 'b' }] }] }],
  ['whitespace-only messages between real ones', CHAT, { model: 'm', messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: '  ' }, { role: 'user', content: 'b' }] }],
  ['two rounds of parallel tool calls', CHAT, {
    model: 'm',
    messages: [
      { role: 'user', content: 'go' },
      { role: 'assistant', content: 'Calling.', tool_calls: [callOf('call_a'), callOf('call_b')] },
      { role: 'tool', tool_call_id: 'call_a', content: '1' },
      { role: 'tool', tool_call_id: 'call_b', content: '' },
      { role: 'assistant', content: null, tool_calls: [callOf('call_c')] },
      { role: 'tool', tool_call_id: 'call_c', content: [{ type: 'text', text: '3' }] },
      { role: 'system', content: 'Late instruction.' },
      { role: 'user', content: 'thanks' },
    ],
  }],
  ['function calls and outputs in a row', RESPONSES, {
    model: 'm',
    input: [
      { role: 'user', content: 'go' },
      { type: 'function_call', call_id: 'call_a', name: 'f', arguments: '{}' },
      { type: 'function_call', call_id: 'call_b', name: 'f', arguments: '{}' },
      { type: 'function_call_output', call_id: 'call_a', output: '1' },
      { type: 'function_call_output', call_id: 'call_b', output: ' ' },
      { role: 'user', content: [{ type: 'input_text', text: 'next' }] },
    ],
  }],
  ['tool results, an image and text in one user turn', MESSAGES, {
    model: 'm',
    max_tokens: 5,
    stream: true,
    stop_sequences: ['x'],
    tools: [{ name: 'f', input_schema: { type: 'object' } }],
    tool_choice: { type: 'tool', name: 'f', disable_parallel_tool_use: true },
    messages: [
      { role: 'user', content: 'go' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }, { type: 'tool_use', id: 'toolu_2', name: 'f', input: {} }] },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: 'a' },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: [{ type: 'text', text: 'b' }] },
          { type: 'image', source: { type: 'url', url: 'https://x/y.png' } },
        ],
      },
    ],
  }],
];

describe('translated requests are acceptable to the upstream API', () => {
  it.each([...goldenInputs, ...TRICKY])('%s', (_what, direction, body) => {
    const result = translateRequest(direction, body, { defaultMaxTokens: 100 });
    if (!result.ok) throw new Error(`refused ${result.field}: ${result.message}`);
    expect(problemsOf(direction)(result.value)).toEqual([]);
  });

  it('the checks catch what the APIs reject', () => {
    expect(anthropicProblems({ model: 'm', messages: [{ role: 'user', content: [] }, { role: 'user', content: [{ type: 'text', text: ' ' }] }] })).toEqual([
      'max_tokens missing',
      'messages[0] empty',
      'messages[1] repeats a role',
      'messages[1] empty text',
    ]);
    expect(chatProblems({ model: 'm', stream_options: {}, messages: [{ role: 'assistant', content: null, tool_calls: [callOf('c')] }, { role: 'user', content: 'x' }] })).toEqual([
      'stream_options without stream',
      'calls c unanswered before messages[1]',
    ]);
  });
});

describe('round trips', () => {
  const tools = [{ type: 'function', function: { name: 'f', description: 'Looks up.', parameters: { type: 'object', properties: { q: { type: 'number' } } } } }];
  const conversation = [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Look up 1.' },
    { role: 'assistant', content: null, tool_calls: [callOf('call_1')] },
    { role: 'tool', tool_call_id: 'call_1', content: 'found' },
    { role: 'assistant', content: 'It is found.' },
    { role: 'user', content: [{ type: 'text', text: 'See' }, { type: 'image_url', image_url: { url: 'data:image/webp;base64,UklG' } }] },
  ];

  it('chat → Anthropic → chat keeps messages, tools and the tool choice', () => {
    const there = translateRequest(CHAT, { model: 'm', messages: conversation, tools, tool_choice: 'required', max_completion_tokens: 50 });
    if (!there.ok) throw new Error(there.message);
    const back = translateRequest(MESSAGES, there.value);
    expect(back).toEqual({ ok: true, value: { model: 'm', messages: conversation, tools, tool_choice: 'required', max_completion_tokens: 50 } });
  });

  it('Anthropic → chat → Anthropic keeps system, messages and tools', () => {
    const anthropic = {
      model: 'm',
      system: 'Be brief.',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Look up 1.' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Looking.' }, { type: 'tool_use', id: 'toolu_9', name: 'f', input: { q: 1 } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_9', content: 'found' }, { type: 'text', text: 'Go on.' }] },
      ],
      max_tokens: 50,
      tools: [{ name: 'f', description: 'Looks up.', input_schema: { type: 'object', properties: {} } }],
      tool_choice: { type: 'tool', name: 'f' },
    };
    const there = translateRequest(MESSAGES, anthropic);
    if (!there.ok) throw new Error(there.message);
    expect(translateRequest(CHAT, there.value)).toEqual({ ok: true, value: anthropic });
  });
});
