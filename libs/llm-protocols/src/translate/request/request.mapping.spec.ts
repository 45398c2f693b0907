import type { JsonObject } from '../../protocol.types.js';
import { DEFAULT_ANTHROPIC_MAX_TOKENS, translateRequest } from '../translate-request.js';
import type { Direction } from '../translate.types.js';

const CHAT: Direction = { from: 'openai_chat', to: 'anthropic_messages' };
const RESPONSES: Direction = { from: 'openai_responses', to: 'anthropic_messages' };
const MESSAGES: Direction = { from: 'anthropic_messages', to: 'openai_chat' };

function value(direction: Direction, body: JsonObject, defaultMaxTokens?: number): Record<string, unknown> {
  const result = translateRequest(direction, body, defaultMaxTokens === undefined ? {} : { defaultMaxTokens });
  if (!result.ok) throw new Error(`refused ${result.field}: ${result.message}`);
  return result.value;
}

const user = (content: unknown) => ({ role: 'user', content });
const text = (t: string) => ({ type: 'text', text: t });
const fnTool = { type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } };
const flatTool = { type: 'function', name: 'f', parameters: { type: 'object', properties: {} } };
const anthropicTool = { name: 'f', input_schema: { type: 'object', properties: {} } };

describe('translateRequest: OpenAI → Anthropic', () => {
  it.each([
    ['no bound: the caller default', {}, 500, 500],
    ['no bound and no caller default', {}, undefined, DEFAULT_ANTHROPIC_MAX_TOKENS],
    ['max_tokens', { max_tokens: 30 }, 500, 30],
    ['max_completion_tokens before max_tokens', { max_completion_tokens: 20, max_tokens: 30 }, 500, 20],
  ])('sets max_tokens: %s', (_what, extra, fallback, expected) => {
    expect(value(CHAT, { model: 'm', messages: [user('Hi')], ...extra }, fallback)['max_tokens']).toBe(expected);
  });

  it('takes Responses max_output_tokens, and the default without it', () => {
    expect(value(RESPONSES, { model: 'm', input: 'Hi', max_output_tokens: 9 })['max_tokens']).toBe(9);
    expect(value(RESPONSES, { model: 'm', input: 'Hi' }, 77)['max_tokens']).toBe(77);
  });

  it('keeps temperatures 0 to 1 as they are, drops stream_options and keeps the client model name', () => {
    const body = value(CHAT, { model: 'gpt-4o', messages: [user('Hi')], temperature: 1, stream: true, stream_options: { include_usage: true } });
    expect(body).toMatchObject({ model: 'gpt-4o', temperature: 1, stream: true });
    expect(body).not.toHaveProperty('stream_options');
  });

  it('prefers user to safety_identifier for metadata.user_id', () => {
    expect(value(CHAT, { model: 'm', messages: [user('Hi')], user: 'a', safety_identifier: 'b' })['metadata']).toEqual({ user_id: 'a' });
    expect(value(CHAT, { model: 'm', messages: [user('Hi')], safety_identifier: 'b' })['metadata']).toEqual({ user_id: 'b' });
  });

  it('hoists system and developer messages, wherever they stand, into system blocks in order', () => {
    const body = value(CHAT, {
      model: 'm',
      messages: [{ role: 'system', content: 'One.' }, user('Hi'), { role: 'developer', content: [text('Two.')] }, { role: 'assistant', content: 'Hello' }],
    });
    expect(body['system']).toEqual([text('One.'), text('Two.')]);
    expect(body['messages']).toEqual([
      { role: 'user', content: [text('Hi')] },
      { role: 'assistant', content: [text('Hello')] },
    ]);
  });

  it('merges parallel tool results into one user turn, tool results before the text that follows, and skips empty text', () => {
    const body = value(CHAT, {
      model: 'm',
      messages: [
        user('Weather in Paris and Rome?'),
        {
          role: 'assistant',
          content: '',
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'w', arguments: '{"city":"Paris"}' } },
            { id: 'call_2', type: 'function', function: { name: 'w', arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: [text('14°C'), text('rain')] },
        { role: 'tool', tool_call_id: 'call_2', content: '' },
        user('And Oslo?'),
      ],
    });
    expect(body['messages']).toEqual([
      { role: 'user', content: [text('Weather in Paris and Rome?')] },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'call_1', name: 'w', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'call_2', name: 'w', input: { city: 'Rome' } },
        ],
      },
      {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: 'call_1', content: [text('14°C'), text('rain')] }, { type: 'tool_result', tool_use_id: 'call_2' }, text('And Oslo?')],
      },
    ]);
  });

  it('carries an assistant refusal as text', () => {
    const body = value(CHAT, { model: 'm', messages: [user('x'), { role: 'assistant', content: null, refusal: 'I cannot help with that.' }, user('ok')] });
    expect(body['messages']).toEqual([user([text('x')]), { role: 'assistant', content: [text('I cannot help with that.')] }, user([text('ok')])]);
  });

  it.each([
    ['auto', 'auto', undefined, { type: 'auto' }],
    ['none', 'none', undefined, { type: 'none' }],
    ['required', 'required', undefined, { type: 'any' }],
    ['a named function', { type: 'function', function: { name: 'f' } }, undefined, { type: 'tool', name: 'f' }],
    ['required without parallel calls', 'required', false, { type: 'any', disable_parallel_tool_use: true }],
    ['none without parallel calls', 'none', false, { type: 'none' }],
    ['no choice without parallel calls', undefined, false, { type: 'auto', disable_parallel_tool_use: true }],
    ['no choice', undefined, true, undefined],
  ])('maps chat tool_choice %s', (_what, choice, parallel, expected) => {
    const body = value(CHAT, { model: 'm', messages: [user('x')], tools: [fnTool], tool_choice: choice, parallel_tool_calls: parallel });
    expect(body['tool_choice']).toEqual(expected);
  });

  it('leaves out auto and none when there are no tools', () => {
    expect(value(CHAT, { model: 'm', messages: [user('x')], tool_choice: 'none' })).not.toHaveProperty('tool_choice');
    expect(value(CHAT, { model: 'm', messages: [user('x')], tools: [], tool_choice: 'auto' })).not.toHaveProperty('tool_choice');
  });

  it('gives a tool without parameters an empty object schema, and a schema without a type the object type', () => {
    const body = value(CHAT, { model: 'm', messages: [user('x')], tools: [{ type: 'function', function: { name: 'now' } }, { type: 'function', function: { name: 'any', parameters: {} } }] });
    expect(body['tools']).toEqual([
      { name: 'now', input_schema: { type: 'object', properties: {} } },
      { name: 'any', input_schema: { type: 'object' } },
    ]);
  });

  it('reads Responses input: a string, typed and untyped messages, parts, developer items, and leaves reasoning out', () => {
    expect(value(RESPONSES, { model: 'm', input: 'Hi' })['messages']).toEqual([user([text('Hi')])]);
    const body = value(RESPONSES, {
      model: 'm',
      instructions: 'First.',
      input: [
        { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'Second.' }] },
        { role: 'user', content: [{ type: 'input_text', text: 'Look' }, { type: 'input_image', image_url: 'https://x/y.png', detail: 'auto' }] },
        { type: 'reasoning', id: 'rs_1', summary: [] },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'A cat.', annotations: [] }] },
        { role: 'user', content: 'More?' },
      ],
      tools: [flatTool],
      tool_choice: 'required',
    });
    expect(body['system']).toEqual([text('First.'), text('Second.')]);
    expect(body['messages']).toEqual([
      user([text('Look'), { type: 'image', source: { type: 'url', url: 'https://x/y.png' } }]),
      { role: 'assistant', content: [text('A cat.')] },
      user([text('More?')]),
    ]);
    expect(body['tool_choice']).toEqual({ type: 'any' });
  });

  it('carries a Responses function output made of parts, images included', () => {
    const body = value(RESPONSES, {
      model: 'm',
      input: [
        user('Draw'),
        { type: 'function_call', call_id: 'call_1', name: 'f', arguments: '' },
        { type: 'function_call_output', call_id: 'call_1', output: [{ type: 'input_text', text: 'done' }, { type: 'input_image', image_url: 'data:image/gif;base64,R0lG' }] },
      ],
    });
    expect(body['messages']).toEqual([
      user([text('Draw')]),
      { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'f', input: {} }] },
      user([{ type: 'tool_result', tool_use_id: 'call_1', content: [text('done'), { type: 'image', source: { type: 'base64', media_type: 'image/gif', data: 'R0lG' } }] }]),
    ]);
  });
});

describe('translateRequest: Anthropic → OpenAI chat', () => {
  const base = { model: 'm', max_tokens: 10 };

  it.each([
    ['auto', { type: 'auto' }, { tool_choice: 'auto' }],
    ['any', { type: 'any' }, { tool_choice: 'required' }],
    ['a named tool', { type: 'tool', name: 'f' }, { tool_choice: { type: 'function', function: { name: 'f' } } }],
    ['none', { type: 'none' }, { tool_choice: 'none' }],
    ['auto without parallel use', { type: 'auto', disable_parallel_tool_use: true }, { tool_choice: 'auto', parallel_tool_calls: false }],
  ])('maps tool_choice %s', (_what, choice, expected) => {
    const body = value(MESSAGES, { ...base, messages: [user('x')], tools: [anthropicTool], tool_choice: choice });
    expect({ tool_choice: body['tool_choice'], ...(body['parallel_tool_calls'] === undefined ? {} : { parallel_tool_calls: body['parallel_tool_calls'] }) }).toEqual(expected);
  });

  it('turns tool results into tool messages (text joined, error flag left out) and keeps several text blocks apart', () => {
    const body = value(MESSAGES, {
      ...base,
      system: 'Be brief.',
      stream: false,
      metadata: {},
      messages: [
        user([text('Go')]),
        { role: 'assistant', content: [{ type: 'redacted_thinking', data: 'EmwKAhgB' }, { type: 'tool_use', id: 'toolu_1', name: 'f', input: { a: 1 } }, { type: 'tool_use', id: 'toolu_2', name: 'f', input: {} }] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: [text('line 1'), text('line 2')], is_error: true },
            { type: 'tool_result', tool_use_id: 'toolu_2' },
          ],
        },
        { role: 'assistant', content: [text('Part one.'), text('Part two.')] },
      ],
    });
    expect(body).not.toHaveProperty('stream_options');
    expect(body).not.toHaveProperty('user');
    expect(body['messages']).toEqual([
      { role: 'system', content: 'Be brief.' },
      user('Go'),
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'toolu_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } },
          { id: 'toolu_2', type: 'function', function: { name: 'f', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: 'line 1\nline 2' },
      { role: 'tool', tool_call_id: 'toolu_2', content: '' },
      { role: 'assistant', content: [text('Part one.'), text('Part two.')] },
    ]);
  });
});

describe('translateRequest: tool call ids', () => {
  it('rewrites ids Anthropic would reject, the call and its result alike', () => {
    const body = value(CHAT, {
      model: 'm',
      messages: [
        user('go'),
        { role: 'assistant', content: null, tool_calls: [{ id: 'call.1:a', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call.1:a', content: 'ok' },
      ],
    });
    expect(body['messages']).toEqual([
      user([text('go')]),
      { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1_a', name: 'f', input: {} }] },
      user([{ type: 'tool_result', tool_use_id: 'call_1_a', content: 'ok' }]),
    ]);
  });
});
