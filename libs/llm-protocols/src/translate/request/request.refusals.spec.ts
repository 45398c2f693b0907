import type { JsonObject } from '../../protocol.types.js';
import { translateRequest } from '../translate-request.js';
import type { Direction } from '../translate.types.js';

const CHAT: Direction = { from: 'openai_chat', to: 'anthropic_messages' };
const RESPONSES: Direction = { from: 'openai_responses', to: 'anthropic_messages' };
const MESSAGES: Direction = { from: 'anthropic_messages', to: 'openai_chat' };

const user = { role: 'user', content: 'Hi' };
const chat = (extra: JsonObject): JsonObject => ({ model: 'm', messages: [user], ...extra });
const chatMessages = (...messages: unknown[]): JsonObject => ({ model: 'm', messages });
const call = (id: string, args = '{}') => ({ role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name: 'f', arguments: args } }] });
const fnTool = { type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } };
const responses = (extra: JsonObject): JsonObject => ({ model: 'm', input: 'Hi', ...extra });
const responsesInput = (...input: unknown[]): JsonObject => ({ model: 'm', input });
const messages = (extra: JsonObject): JsonObject => ({ model: 'm', max_tokens: 10, messages: [user], ...extra });
const anthropicMessages = (...turns: unknown[]): JsonObject => ({ model: 'm', max_tokens: 10, messages: turns });
const toolUse = { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }] };

/** [what, direction, body, the field the 400 must name]. */
const REFUSALS: ReadonlyArray<readonly [string, Direction, JsonObject, string]> = [
  ['several choices', CHAT, chat({ n: 2 }), 'n'],
  ['log probabilities', CHAT, chat({ logprobs: true }), 'logprobs'],
  ['top log probabilities', CHAT, chat({ top_logprobs: 3 }), 'top_logprobs'],
  ['token biases', CHAT, chat({ logit_bias: { '50256': -100 } }), 'logit_bias'],
  ['a presence penalty', CHAT, chat({ presence_penalty: 0.5 }), 'presence_penalty'],
  ['a frequency penalty', CHAT, chat({ frequency_penalty: -1 }), 'frequency_penalty'],
  ['a JSON schema format', CHAT, chat({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: {} } } }), 'response_format'],
  ['JSON mode', CHAT, chat({ response_format: { type: 'json_object' } }), 'response_format'],
  ['audio output', CHAT, chat({ modalities: ['text', 'audio'], audio: { voice: 'alloy', format: 'wav' } }), 'modalities'],
  ['an audio setting', CHAT, chat({ audio: { voice: 'alloy', format: 'wav' } }), 'audio'],
  ['a reasoning effort', CHAT, chat({ reasoning_effort: 'high' }), 'reasoning_effort'],
  ['web search options', CHAT, chat({ web_search_options: {} }), 'web_search_options'],
  ['legacy functions', CHAT, chat({ functions: [{ name: 'f' }] }), 'functions'],
  ['a legacy function call choice', CHAT, chat({ function_call: 'auto' }), 'function_call'],
  ['an unknown field', CHAT, chat({ frobnicate: true }), 'frobnicate'],
  ['a temperature above 1', CHAT, chat({ temperature: 1.5 }), 'temperature'],
  ['a temperature of the wrong type', CHAT, chat({ temperature: 'hot' }), 'temperature'],
  ['a zero output bound', CHAT, chat({ max_completion_tokens: 0 }), 'max_completion_tokens'],
  ['a fractional max_tokens', CHAT, chat({ max_tokens: 1.5 }), 'max_tokens'],
  ['messages that are not a list', CHAT, { model: 'm', messages: 'Hi' }, 'messages'],
  ['no messages', CHAT, chatMessages(), 'messages'],
  ['only a system prompt', CHAT, chatMessages({ role: 'system', content: 'Be brief.' }), 'messages'],
  ['a legacy function message', CHAT, chatMessages(user, { role: 'function', name: 'f', content: '1' }), 'messages[1].role'],
  ['an audio part', CHAT, chatMessages({ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAA', format: 'wav' } }] }), 'messages[0].content[0].type'],
  ['a file part', CHAT, chatMessages({ role: 'user', content: [{ type: 'file', file: { file_id: 'file-1' } }] }), 'messages[0].content[0].type'],
  ['an image URL of another scheme', CHAT, chatMessages({ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://x/y.png' } }] }), 'messages[0].content[0].image_url.url'],
  ['an image type Anthropic lacks', CHAT, chatMessages({ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/tiff;base64,AAAA' } }] }), 'messages[0].content[0].image_url.url'],
  ['an image part without a URL', CHAT, chatMessages({ role: 'user', content: [{ type: 'image_url', image_url: {} }] }), 'messages[0].content[0].image_url.url'],
  ['an image in a system message', CHAT, chatMessages({ role: 'system', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }, user), 'messages[0].content[0].type'],
  ['an audio answer sent back', CHAT, chatMessages(user, { role: 'assistant', audio: { id: 'audio_1' } }), 'messages[1].audio'],
  ['a legacy assistant function call', CHAT, chatMessages(user, { role: 'assistant', function_call: { name: 'f', arguments: '{}' } }), 'messages[1].function_call'],
  ['a custom tool call', CHAT, chatMessages(user, { role: 'assistant', tool_calls: [{ id: 'c', type: 'custom', custom: { name: 'f', input: 'x' } }] }), 'messages[1].tool_calls[0].type'],
  ['tool call arguments that are not JSON', CHAT, chatMessages(user, call('c', '{"a":'), { role: 'tool', tool_call_id: 'c', content: '1' }), 'messages[1].tool_calls[0].function.arguments'],
  ['tool call arguments that are not an object', CHAT, chatMessages(user, call('c', '[1]'), { role: 'tool', tool_call_id: 'c', content: '1' }), 'messages[1].tool_calls[0].function.arguments'],
  ['a tool message without its call id', CHAT, chatMessages(user, call('c'), { role: 'tool', content: '1' }), 'messages[2].tool_call_id'],
  ['a tool call left without a result', CHAT, chatMessages(user, call('c'), { role: 'user', content: 'never mind' }), 'messages'],
  ['a tool result without its call', CHAT, chatMessages(user, { role: 'tool', tool_call_id: 'c', content: '1' }), 'messages'],
  ['a custom tool', CHAT, chat({ tools: [{ type: 'custom', custom: { name: 'f' } }] }), 'tools[0].type'],
  ['a tool schema that is not an object schema', CHAT, chat({ tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'array' } } }] }), 'tools[0].function.parameters.type'],
  ['a tool without a name', CHAT, chat({ tools: [{ type: 'function', function: {} }] }), 'tools[0].function.name'],
  ['an allowed-tools choice', CHAT, chat({ tools: [fnTool], tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [] } } }), 'tool_choice.type'],
  ['a required tool without tools', CHAT, chat({ tool_choice: 'required' }), 'tool_choice'],
  ['a named tool without tools', CHAT, chat({ tool_choice: { type: 'function', function: { name: 'f' } } }), 'tool_choice'],
  ['parallel_tool_calls of the wrong type', CHAT, chat({ tools: [fnTool], parallel_tool_calls: 'no' }), 'parallel_tool_calls'],
  ['a stop sequence that is not a string', CHAT, chat({ stop: ['a', 1] }), 'stop[1]'],
  ['a top_p that is not a number', CHAT, chat({ top_p: '0.9' }), 'top_p'],

  ['a previous response', RESPONSES, responses({ previous_response_id: 'resp_1' }), 'previous_response_id'],
  ['a stored conversation', RESPONSES, responses({ conversation: 'conv_1' }), 'conversation'],
  ['a stored prompt', RESPONSES, responses({ prompt: { id: 'pmpt_1' } }), 'prompt'],
  ['a background response', RESPONSES, responses({ background: true }), 'background'],
  ['a reasoning effort', RESPONSES, responses({ reasoning: { effort: 'high' } }), 'reasoning'],
  ['a cap on tool calls', RESPONSES, responses({ max_tool_calls: 3 }), 'max_tool_calls'],
  ['top log probabilities', RESPONSES, responses({ top_logprobs: 2 }), 'top_logprobs'],
  ['a JSON schema format', RESPONSES, responses({ text: { format: { type: 'json_schema', name: 'x', schema: {} } } }), 'text'],
  ['a text setting that is not an object', RESPONSES, responses({ text: 'json' }), 'text'],
  ['automatic truncation', RESPONSES, responses({ truncation: 'auto' }), 'truncation'],
  ['an unknown field', RESPONSES, responses({ frobnicate: 1 }), 'frobnicate'],
  ['a temperature above 1', RESPONSES, responses({ temperature: 2 }), 'temperature'],
  ['a hosted tool', RESPONSES, responses({ tools: [{ type: 'web_search' }] }), 'tools[0].type'],
  ['input that is neither text nor a list', RESPONSES, { model: 'm', input: 3 }, 'input'],
  ['no input items', RESPONSES, responsesInput(), 'input'],
  ['an item reference', RESPONSES, responsesInput({ type: 'item_reference', id: 'msg_1' }), 'input[0].type'],
  ['a hosted tool call item', RESPONSES, responsesInput(user, { type: 'web_search_call', id: 'ws_1', status: 'completed' }), 'input[1].type'],
  ['a file part', RESPONSES, responsesInput({ role: 'user', content: [{ type: 'input_file', file_id: 'file-1' }] }), 'input[0].content[0].type'],
  ['an uploaded image', RESPONSES, responsesInput({ role: 'user', content: [{ type: 'input_image', file_id: 'file-1' }] }), 'input[0].content[0].file_id'],
  ['an audio part', RESPONSES, responsesInput({ role: 'user', content: [{ type: 'input_audio', input_audio: {} }] }), 'input[0].content[0].type'],
  ['an unknown role', RESPONSES, responsesInput({ role: 'tool', content: 'x' }), 'input[0].role'],
  ['an image in a system item', RESPONSES, responsesInput({ role: 'system', content: [{ type: 'input_image', image_url: 'https://x/y.png' }] }, user), 'input[0].content[0]'],
  ['function call arguments that are not JSON', RESPONSES, responsesInput(user, { type: 'function_call', call_id: 'c', name: 'f', arguments: 'nope' }), 'input[1].arguments'],
  ['a function call output without its call id', RESPONSES, responsesInput(user, { type: 'function_call_output', output: '1' }), 'input[1].call_id'],

  ['top_k sampling', MESSAGES, messages({ top_k: 5 }), 'top_k'],
  ['extended thinking', MESSAGES, messages({ thinking: { type: 'enabled', budget_tokens: 2048 } }), 'thinking'],
  ['a container', MESSAGES, messages({ container: 'container_1' }), 'container'],
  ['MCP servers', MESSAGES, messages({ mcp_servers: [{ type: 'url', url: 'https://x', name: 'x' }] }), 'mcp_servers'],
  ['context management', MESSAGES, messages({ context_management: { edits: [] } }), 'context_management'],
  ['an unknown field', MESSAGES, messages({ frobnicate: 1 }), 'frobnicate'],
  ['more than 4 stop sequences', MESSAGES, messages({ stop_sequences: ['a', 'b', 'c', 'd', 'e'] }), 'stop_sequences'],
  ['a zero max_tokens', MESSAGES, messages({ max_tokens: 0 }), 'max_tokens'],
  ['a server tool', MESSAGES, messages({ tools: [{ type: 'web_search_20250305', name: 'web_search' }] }), 'tools[0].type'],
  ['a tool without a schema', MESSAGES, messages({ tools: [{ name: 'f' }] }), 'tools[0].input_schema'],
  ['an unknown tool choice', MESSAGES, messages({ tools: [{ name: 'f', input_schema: { type: 'object' } }], tool_choice: { type: 'maybe' } }), 'tool_choice.type'],
  ['a forced tool without tools', MESSAGES, messages({ tool_choice: { type: 'any' } }), 'tool_choice'],
  ['a document block', MESSAGES, anthropicMessages({ role: 'user', content: [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'x' } }] }), 'messages[0].content[0].type'],
  ['an image by file id', MESSAGES, anthropicMessages({ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'file_1' } }] }), 'messages[0].content[0].source.type'],
  ['an image inside a tool result', MESSAGES, anthropicMessages(user, toolUse, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'image', source: { type: 'url', url: 'https://x/y.png' } }] }] }), 'messages[2].content[0].content[0].type'],
  ['a server tool call in history', MESSAGES, anthropicMessages(user, { role: 'assistant', content: [{ type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: {} }] }), 'messages[1].content[0].type'],
  ['a tool call whose input is not an object', MESSAGES, anthropicMessages(user, { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: 'x' }] }), 'messages[1].content[0].input'],
  ['a system role inside messages', MESSAGES, anthropicMessages({ role: 'system', content: 'x' }), 'messages[0].role'],
  ['system blocks that are not text', MESSAGES, messages({ system: [{ type: 'image', source: { type: 'url', url: 'https://x' } }] }), 'system[0].type'],
  ['a user id that is not a string', MESSAGES, messages({ metadata: { user_id: 7 } }), 'metadata.user_id'],
];

describe('translateRequest refusals', () => {
  it.each(REFUSALS)('refuses %s, naming the field', (_what, direction, body, field) => {
    const result = translateRequest(direction, body, { defaultMaxTokens: 64 });
    expect(result).toEqual({ ok: false, field, message: expect.any(String) });
    if (!result.ok) expect(result.message.length).toBeGreaterThan(0);
  });

  it('accepts the harmless default of each refused field', () => {
    const defaults = chat({ n: 1, logprobs: false, top_logprobs: 0, logit_bias: {}, presence_penalty: 0, frequency_penalty: 0, response_format: { type: 'text' }, modalities: ['text'] });
    expect(translateRequest(CHAT, defaults).ok).toBe(true);
    expect(translateRequest(RESPONSES, responses({ background: false, reasoning: { effort: null }, truncation: 'disabled', text: { verbosity: 'low' } })).ok).toBe(true);
    expect(translateRequest(MESSAGES, messages({ thinking: { type: 'disabled' } })).ok).toBe(true);
  });

  it('refuses pairs it does not translate, and passes a body through when no translation is needed', () => {
    expect(translateRequest({ from: 'openai_chat', to: 'openai_responses' }, chat({}))).toEqual({ ok: false, field: '', message: expect.stringContaining('not translated') });
    expect(translateRequest({ from: 'openai_chat', to: 'openai_chat' }, chat({ n: 3 }))).toEqual({ ok: true, value: chat({ n: 3 }) });
  });
});
