import type { JsonObject } from '../../protocol.types.js';
import { arrayField, objectField, optionalNumber, optionalString, parseArguments, pathOf, refuse, stringField } from '../untranslatable.js';
import { AnthropicTurns } from './anthropic-turns.js';
import { MAPPED, checkFields, dropped, hasType, isEmptyObject, isFalse, isZero, refused, type FieldTable } from './field-policy.js';
import { anthropicImageOf, chatImageUrlOf } from './images.js';
import { anthropicMetadataOf, anthropicTemperature, compact, maxTokensOf, optionalBoolean, stopSequencesOf, type TranslateRequestOptions } from './sampling.js';
import { anthropicToolChoice, anthropicToolId, anthropicToolsFromChat } from './tools.js';

/**
 * Every chat completions request field, and what becomes of it on the way to Anthropic Messages. Inside messages:
 * a message's `name` and an image's `detail` are left out (no Anthropic equivalent, no answer depends on them), as is
 * a tool's `strict`; audio and file parts, legacy function messages and custom tools are refused.
 */
const CHAT_FIELDS: FieldTable = {
  model: MAPPED,
  messages: MAPPED,
  max_completion_tokens: MAPPED,
  max_tokens: MAPPED,
  stop: MAPPED,
  temperature: MAPPED,
  top_p: MAPPED,
  stream: MAPPED,
  user: MAPPED,
  safety_identifier: MAPPED,
  tools: MAPPED,
  tool_choice: MAPPED,
  parallel_tool_calls: MAPPED,
  stream_options: dropped('an Anthropic stream always reports usage'),
  seed: dropped('a best-effort determinism hint; no answer depends on it'),
  store: dropped('stored completions are kept by OpenAI only'),
  metadata: dropped('tags for stored completions, kept by OpenAI only'),
  service_tier: dropped('tiers are per provider; the provider default applies'),
  prompt_cache_key: dropped("a routing hint for OpenAI's prompt cache"),
  prediction: dropped('a latency optimisation that does not change the answer'),
  verbosity: dropped('a soft length hint'),
  n: refused('Anthropic returns one answer per call', (v) => v === 1),
  logprobs: refused('Anthropic returns no log probabilities', isFalse),
  top_logprobs: refused('Anthropic returns no log probabilities', isZero),
  logit_bias: refused('Anthropic has no token biasing', isEmptyObject),
  presence_penalty: refused('Anthropic has no presence penalty', isZero),
  frequency_penalty: refused('Anthropic has no frequency penalty', isZero),
  response_format: refused('structured output formats are not translated; ask for JSON in the prompt', hasType('text')),
  modalities: refused('Anthropic answers in text only', (v) => Array.isArray(v) && v.every((m) => m === 'text')),
  audio: refused('Anthropic answers in text only'),
  reasoning_effort: refused('reasoning effort has no Anthropic equivalent'),
  web_search_options: refused('web search runs at OpenAI'),
  functions: refused('legacy functions are not translated; send tools'),
  function_call: refused('legacy functions are not translated; send tool_choice'),
};

/** A chat completions request → an Anthropic Messages request (see CHAT_FIELDS for every top-level field). */
export function chatToAnthropicRequest(body: JsonObject, options: TranslateRequestOptions): Record<string, unknown> {
  checkFields(body, CHAT_FIELDS, 'Anthropic Messages');
  const turns = new AnthropicTurns();
  arrayField(body['messages'], 'messages').forEach((message, index) => addMessage(turns, message, pathOf('messages', index)));
  const tools = body['tools'] === undefined || body['tools'] === null ? undefined : anthropicToolsFromChat(body['tools']);
  return compact({
    model: body['model'],
    system: turns.systemPrompt(),
    messages: turns.messages('messages'),
    max_tokens: maxTokensOf(body, ['max_completion_tokens', 'max_tokens'], options),
    stop_sequences: stopSequencesOf(body['stop']),
    temperature: anthropicTemperature(body['temperature']),
    top_p: optionalNumber(body['top_p'], 'top_p'),
    stream: optionalBoolean(body['stream'], 'stream'),
    metadata: anthropicMetadataOf(body),
    tools,
    tool_choice: anthropicToolChoice(body['tool_choice'], body['parallel_tool_calls'], tools !== undefined && tools.length > 0),
  });
}

function addMessage(turns: AnthropicTurns, message: unknown, field: string): void {
  const entry = objectField(message, field);
  const role = entry['role'];
  if (role === 'system' || role === 'developer') {
    for (const text of textsOf(entry['content'], pathOf(field, 'content'))) turns.addSystem(text);
  } else if (role === 'user') {
    turns.add('user', userBlocks(entry['content'], pathOf(field, 'content')));
  } else if (role === 'assistant') {
    turns.add('assistant', assistantBlocks(entry, field));
  } else if (role === 'tool') {
    const id = anthropicToolId(stringField(entry['tool_call_id'], pathOf(field, 'tool_call_id')));
    turns.add('user', [{ type: 'tool_result', tool_use_id: id, ...toolResultContent(textsOf(entry['content'], pathOf(field, 'content'))) }]);
  } else {
    refuse(pathOf(field, 'role'), 'must be system, developer, user, assistant or tool (legacy function messages are not translated)');
  }
}

/** Anthropic rejects empty text blocks; a tool that printed nothing gets a result without content. */
function toolResultContent(texts: readonly string[]): { content?: string | JsonObject[] } {
  const kept = texts.filter((text) => text.trim() !== '');
  if (kept.length === 0) return {};
  return { content: kept.length === 1 ? kept[0] : kept.map((text) => ({ type: 'text', text })) };
}

/** Content that may only hold text (system, developer, tool): a string or text parts. */
function textsOf(content: unknown, field: string): string[] {
  if (typeof content === 'string') return [content];
  return arrayField(content, field).map((part, index) => {
    const entry = objectField(part, pathOf(field, index));
    if (entry['type'] !== 'text') refuse(pathOf(pathOf(field, index), 'type'), 'only text parts can be translated here');
    return stringField(entry['text'], pathOf(pathOf(field, index), 'text'));
  });
}

function userBlocks(content: unknown, field: string): JsonObject[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return arrayField(content, field).map((part, index) => {
    const partField = pathOf(field, index);
    const entry = objectField(part, partField);
    if (entry['type'] === 'text') return { type: 'text', text: stringField(entry['text'], pathOf(partField, 'text')) };
    if (entry['type'] === 'image_url') return anthropicImageOf(chatImageUrlOf(entry, partField), pathOf(partField, 'image_url.url'));
    return refuse(pathOf(partField, 'type'), `${String(entry['type'])} parts cannot be translated to Anthropic (text and image_url can)`);
  });
}

function assistantBlocks(message: JsonObject, field: string): JsonObject[] {
  if (message['audio'] !== undefined && message['audio'] !== null) refuse(pathOf(field, 'audio'), 'audio answers cannot be translated to Anthropic');
  if (message['function_call'] !== undefined && message['function_call'] !== null) refuse(pathOf(field, 'function_call'), 'legacy function calls are not translated; send tool_calls');
  const blocks: JsonObject[] = [];
  const content = message['content'];
  if (typeof content === 'string') blocks.push({ type: 'text', text: content });
  else if (content !== undefined && content !== null) {
    arrayField(content, pathOf(field, 'content')).forEach((part, index) => {
      const partField = pathOf(pathOf(field, 'content'), index);
      const entry = objectField(part, partField);
      const key = entry['type'] === 'refusal' ? 'refusal' : 'text';
      if (entry['type'] !== 'text' && entry['type'] !== 'refusal') refuse(pathOf(partField, 'type'), 'assistant content may hold text and refusal parts only');
      blocks.push({ type: 'text', text: stringField(entry[key], pathOf(partField, key)) });
    });
  }
  const refusal = optionalString(message['refusal'], pathOf(field, 'refusal'));
  if (refusal !== undefined) blocks.push({ type: 'text', text: refusal });
  const calls = message['tool_calls'];
  if (calls === undefined || calls === null) return blocks;
  arrayField(calls, pathOf(field, 'tool_calls')).forEach((call, index) => {
    const callField = pathOf(pathOf(field, 'tool_calls'), index);
    const entry = objectField(call, callField);
    if (entry['type'] !== 'function') refuse(pathOf(callField, 'type'), 'only function tool calls can be translated to Anthropic');
    const fn = objectField(entry['function'], pathOf(callField, 'function'));
    blocks.push({
      type: 'tool_use',
      id: anthropicToolId(stringField(entry['id'], pathOf(callField, 'id'))),
      name: stringField(fn['name'], pathOf(callField, 'function.name')),
      input: parseArguments(fn['arguments'], pathOf(callField, 'function.arguments')),
    });
  });
  return blocks;
}
