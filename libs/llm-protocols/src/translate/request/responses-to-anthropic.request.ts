import { isJsonObject } from '../../json.guards.js';
import type { JsonObject } from '../../protocol.types.js';
import { arrayField, objectField, optionalNumber, optionalString, parseArguments, pathOf, refuse, stringField } from '../untranslatable.js';
import { AnthropicTurns } from './anthropic-turns.js';
import { MAPPED, checkFields, dropped, hasType, isFalse, isZero, refused, type FieldTable } from './field-policy.js';
import { anthropicImageOf, responsesImageUrlOf } from './images.js';
import { anthropicMetadataOf, anthropicTemperature, compact, maxTokensOf, optionalBoolean, type TranslateRequestOptions } from './sampling.js';
import { anthropicToolChoice, anthropicToolId, anthropicToolsFromResponses } from './tools.js';

const isNone = (value: unknown): boolean => isJsonObject(value) && (value['effort'] ?? null) === null;

/**
 * Every Responses request field, and what becomes of it on the way to Anthropic Messages. Inside `input`: reasoning
 * items and an image's `detail` are left out, as is a tool's `strict`; files, uploaded images, item references and
 * the items of tools OpenAI runs itself are refused.
 */
const RESPONSES_FIELDS: FieldTable = {
  model: MAPPED,
  input: MAPPED,
  instructions: MAPPED,
  max_output_tokens: MAPPED,
  temperature: MAPPED,
  top_p: MAPPED,
  stream: MAPPED,
  user: MAPPED,
  safety_identifier: MAPPED,
  tools: MAPPED,
  tool_choice: MAPPED,
  parallel_tool_calls: MAPPED,
  text: refused('structured output formats are not translated; ask for JSON in the prompt', (v) => isJsonObject(v) && hasType('text')(v['format'] ?? { type: 'text' })),
  store: dropped('the answer is not kept: a later previous_response_id cannot name it'),
  metadata: dropped('tags for stored responses, kept by OpenAI only'),
  include: dropped('asks for extra output (encrypted reasoning, logprobs) Anthropic does not produce'),
  service_tier: dropped('tiers are per provider; the provider default applies'),
  prompt_cache_key: dropped("a routing hint for OpenAI's prompt cache"),
  stream_options: dropped('an Anthropic stream has no obfuscation padding to switch off'),
  truncation: refused('Anthropic does not truncate a conversation to fit', (v) => v === 'disabled'),
  previous_response_id: refused('earlier responses are stored at OpenAI; send the whole conversation in input'),
  conversation: refused('conversations are stored at OpenAI; send the whole conversation in input'),
  prompt: refused('prompt templates are stored at OpenAI'),
  background: refused('background responses are an OpenAI feature', isFalse),
  reasoning: refused('reasoning settings have no Anthropic equivalent', isNone),
  max_tool_calls: refused('Anthropic cannot cap tool calls'),
  top_logprobs: refused('Anthropic returns no log probabilities', isZero),
};

/** A Responses request → an Anthropic Messages request (see RESPONSES_FIELDS for every top-level field). */
export function responsesToAnthropicRequest(body: JsonObject, options: TranslateRequestOptions): Record<string, unknown> {
  checkFields(body, RESPONSES_FIELDS, 'Anthropic Messages');
  const turns = new AnthropicTurns();
  const instructions = optionalString(body['instructions'], 'instructions');
  if (instructions !== undefined) turns.addSystem(instructions);
  const input = body['input'];
  if (typeof input === 'string') turns.add('user', [{ type: 'text', text: input }]);
  else arrayField(input, 'input').forEach((item, index) => addItem(turns, item, pathOf('input', index)));
  const tools = body['tools'] === undefined || body['tools'] === null ? undefined : anthropicToolsFromResponses(body['tools']);
  return compact({
    model: body['model'],
    system: turns.systemPrompt(),
    messages: turns.messages('input'),
    max_tokens: maxTokensOf(body, ['max_output_tokens'], options),
    temperature: anthropicTemperature(body['temperature']),
    top_p: optionalNumber(body['top_p'], 'top_p'),
    stream: optionalBoolean(body['stream'], 'stream'),
    metadata: anthropicMetadataOf(body),
    tools,
    tool_choice: anthropicToolChoice(body['tool_choice'], body['parallel_tool_calls'], tools !== undefined && tools.length > 0),
  });
}

/**
 * One input item. Messages may omit `type`; `reasoning` items (an OpenAI model's earlier reasoning, often encrypted)
 * mean nothing to another model and are left out; items naming state kept at OpenAI are refused.
 */
function addItem(turns: AnthropicTurns, item: unknown, field: string): void {
  const entry = objectField(item, field);
  const type = entry['type'] ?? 'message';
  if (type === 'message') return addMessage(turns, entry, field);
  if (type === 'reasoning') return;
  if (type === 'function_call') {
    const input = parseArguments(entry['arguments'], pathOf(field, 'arguments'));
    const id = anthropicToolId(stringField(entry['call_id'], pathOf(field, 'call_id')));
    return turns.add('assistant', [{ type: 'tool_use', id, name: stringField(entry['name'], pathOf(field, 'name')), input }]);
  }
  if (type === 'function_call_output') {
    const id = anthropicToolId(stringField(entry['call_id'], pathOf(field, 'call_id')));
    return turns.add('user', [{ type: 'tool_result', tool_use_id: id, ...toolOutput(entry['output'], pathOf(field, 'output')) }]);
  }
  refuse(pathOf(field, 'type'), `${String(type)} items cannot be translated to Anthropic`);
}

function addMessage(turns: AnthropicTurns, message: JsonObject, field: string): void {
  const role = message['role'];
  const blocks = contentBlocks(message['content'], pathOf(field, 'content'));
  if (role === 'system' || role === 'developer') {
    blocks.forEach((block, index) => (block['type'] === 'text' ? turns.addSystem(String(block['text'])) : refuse(pathOf(pathOf(field, 'content'), index), 'system content must be text')));
  } else if (role === 'user' || role === 'assistant') {
    turns.add(role, blocks);
  } else {
    refuse(pathOf(field, 'role'), 'must be user, assistant, system or developer');
  }
}

/** Message content: a string, or input_text / output_text / refusal / input_image parts. */
function contentBlocks(content: unknown, field: string): JsonObject[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return arrayField(content, field).map((part, index) => {
    const partField = pathOf(field, index);
    const entry = objectField(part, partField);
    const type = entry['type'];
    if (type === 'input_text' || type === 'output_text') return { type: 'text', text: stringField(entry['text'], pathOf(partField, 'text')) };
    if (type === 'refusal') return { type: 'text', text: stringField(entry['refusal'], pathOf(partField, 'refusal')) };
    if (type === 'input_image') return anthropicImageOf(responsesImageUrlOf(entry, partField), pathOf(partField, 'image_url'));
    return refuse(pathOf(partField, 'type'), `${String(type)} parts cannot be translated to Anthropic (text and images can)`);
  });
}

/** A function's output: a string, or text and image parts (both of which Anthropic tool results can hold). */
function toolOutput(output: unknown, field: string): { content?: string | JsonObject[] } {
  if (typeof output === 'string') return output.trim() === '' ? {} : { content: output };
  const blocks = contentBlocks(output, field).filter((block) => block['type'] !== 'text' || String(block['text']).trim() !== '');
  return blocks.length === 0 ? {} : { content: blocks };
}
