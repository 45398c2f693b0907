import type { JsonObject } from '../../protocol.types.js';
import { arrayField, objectField, optionalNumber, pathOf, refuse, stringField } from '../untranslatable.js';
import { MAPPED, checkFields, dropped, hasType, refused, type FieldTable } from './field-policy.js';
import { openAiImageUrlOf } from './images.js';
import { compact, maxTokensOf, optionalBoolean } from './sampling.js';
import { chatToolChoice, chatToolsFromAnthropic } from './tools.js';

/**
 * Every Anthropic Messages request field, and what becomes of it on the way to OpenAI chat completions. Inside
 * messages and tools: `cache_control` is left out (OpenAI caches prompts by itself), as are thinking blocks and a
 * tool result's `is_error`; documents, images in tool results and the blocks of tools Anthropic runs are refused.
 */
const MESSAGES_FIELDS: FieldTable = {
  model: MAPPED,
  messages: MAPPED,
  system: MAPPED,
  max_tokens: MAPPED,
  stop_sequences: MAPPED,
  temperature: MAPPED,
  top_p: MAPPED,
  stream: MAPPED,
  metadata: MAPPED,
  tools: MAPPED,
  tool_choice: MAPPED,
  service_tier: dropped('tiers are per provider; the provider default applies'),
  top_k: refused('OpenAI chat has no top_k sampling'),
  thinking: refused('extended thinking is not translated to OpenAI chat', hasType('disabled')),
  container: refused('containers run at Anthropic'),
  mcp_servers: refused('MCP connectors run at Anthropic'),
  context_management: refused('context editing runs at Anthropic'),
};

/** OpenAI chat takes at most 4 stop sequences. */
const MAX_STOP = 4;

/** An Anthropic Messages request → a chat completions request (see MESSAGES_FIELDS for every top-level field). */
export function anthropicToChatRequest(body: JsonObject): Record<string, unknown> {
  checkFields(body, MESSAGES_FIELDS, 'OpenAI chat completions');
  const messages = [...systemMessages(body['system'])];
  arrayField(body['messages'], 'messages').forEach((message, index) => messages.push(...chatMessages(message, pathOf('messages', index))));
  const tools = body['tools'] === undefined || body['tools'] === null ? undefined : chatToolsFromAnthropic(body['tools']);
  const stream = optionalBoolean(body['stream'], 'stream');
  return compact({
    model: body['model'],
    messages,
    max_completion_tokens: body['max_tokens'] === undefined || body['max_tokens'] === null ? undefined : maxTokensOf(body, ['max_tokens'], {}),
    stop: stopOf(body['stop_sequences']),
    temperature: optionalNumber(body['temperature'], 'temperature'),
    top_p: optionalNumber(body['top_p'], 'top_p'),
    stream,
    // Without it a chat stream reports no usage at all, and an Anthropic stream always does.
    stream_options: stream === true ? { include_usage: true } : undefined,
    user: userOf(body['metadata']),
    tools,
    ...chatToolChoice(body['tool_choice'], tools !== undefined && tools.length > 0),
  });
}

function systemMessages(system: unknown): JsonObject[] {
  if (system === undefined || system === null) return [];
  if (typeof system === 'string') return [{ role: 'system', content: system }];
  const texts = arrayField(system, 'system').map((block, index) => textOf(block, pathOf('system', index)));
  return texts.length === 0 ? [] : [{ role: 'system', content: joinTexts(texts) }];
}

function chatMessages(message: unknown, field: string): JsonObject[] {
  const entry = objectField(message, field);
  const role = entry['role'];
  const contentField = pathOf(field, 'content');
  const content = entry['content'];
  if (role !== 'user' && role !== 'assistant') return refuse(pathOf(field, 'role'), 'must be user or assistant');
  if (typeof content === 'string') return [{ role, content }];
  const blocks = arrayField(content, contentField).map((block, index) => objectField(block, pathOf(contentField, index)));
  return role === 'user' ? userMessages(blocks, contentField) : [assistantMessage(blocks, contentField)];
}

/**
 * A user turn → chat messages: its tool results first, each a `tool` message (chat wants them right after the
 * assistant's tool calls), then a user message with the rest. Chat tool messages hold text only and have no error
 * flag: `is_error` is left out, the error text itself tells the model what happened.
 */
function userMessages(blocks: readonly JsonObject[], field: string): JsonObject[] {
  const tools: JsonObject[] = [];
  const parts: JsonObject[] = [];
  blocks.forEach((block, index) => {
    const blockField = pathOf(field, index);
    const type = block['type'];
    if (type === 'tool_result') {
      const id = stringField(block['tool_use_id'], pathOf(blockField, 'tool_use_id'));
      tools.push({ role: 'tool', tool_call_id: id, content: toolResultText(block['content'], pathOf(blockField, 'content')) });
    } else if (type === 'text') {
      parts.push({ type: 'text', text: textOf(block, blockField) });
    } else if (type === 'image') {
      parts.push({ type: 'image_url', image_url: { url: openAiImageUrlOf(block, blockField) } });
    } else {
      refuse(pathOf(blockField, 'type'), `${String(type)} blocks cannot be translated to OpenAI chat (text, image and tool_result can)`);
    }
  });
  if (parts.length === 0) return tools;
  const onlyText = parts.length === 1 && parts[0]?.['type'] === 'text';
  return [...tools, { role: 'user', content: onlyText ? parts[0]?.['text'] : parts }];
}

function toolResultText(content: unknown, field: string): string {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  const texts = arrayField(content, field).map((block, index) => {
    const entry = objectField(block, pathOf(field, index));
    if (entry['type'] !== 'text') refuse(pathOf(pathOf(field, index), 'type'), 'OpenAI chat tool results hold text only');
    return textOf(entry, pathOf(field, index));
  });
  return texts.join('\n');
}

/**
 * An assistant turn → one chat assistant message. `thinking` and `redacted_thinking` blocks (Anthropic's earlier
 * reasoning, signed for Anthropic models only) are left out: another model cannot read them.
 */
function assistantMessage(blocks: readonly JsonObject[], field: string): JsonObject {
  const texts: string[] = [];
  const calls: JsonObject[] = [];
  blocks.forEach((block, index) => {
    const blockField = pathOf(field, index);
    const type = block['type'];
    if (type === 'text') texts.push(textOf(block, blockField));
    else if (type === 'tool_use') {
      const input = objectField(block['input'], pathOf(blockField, 'input'));
      const name = stringField(block['name'], pathOf(blockField, 'name'));
      calls.push({ id: stringField(block['id'], pathOf(blockField, 'id')), type: 'function', function: { name, arguments: JSON.stringify(input) } });
    } else if (type !== 'thinking' && type !== 'redacted_thinking') {
      refuse(pathOf(blockField, 'type'), `${String(type)} blocks cannot be translated to OpenAI chat (text and tool_use can)`);
    }
  });
  return { role: 'assistant', content: texts.length === 0 ? null : joinTexts(texts), ...(calls.length === 0 ? {} : { tool_calls: calls }) };
}

/** One text keeps the plain string form; several stay separate text parts, as Anthropic had them. */
function joinTexts(texts: readonly string[]): string | JsonObject[] {
  return texts.length === 1 ? (texts[0] ?? '') : texts.map((text) => ({ type: 'text', text }));
}

function textOf(block: unknown, field: string): string {
  const entry = objectField(block, field);
  if (entry['type'] !== 'text') refuse(pathOf(field, 'type'), 'must be a text block');
  return stringField(entry['text'], pathOf(field, 'text'));
}

function stopOf(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const stops = arrayField(value, 'stop_sequences').map((entry, index) => stringField(entry, pathOf('stop_sequences', index)));
  if (stops.length > MAX_STOP) refuse('stop_sequences', `OpenAI chat takes at most ${MAX_STOP} stop sequences`);
  return stops.length === 0 ? undefined : stops;
}

function userOf(metadata: unknown): string | undefined {
  if (metadata === undefined || metadata === null) return undefined;
  const user = objectField(metadata, 'metadata')['user_id'];
  return user === undefined || user === null ? undefined : stringField(user, 'metadata.user_id');
}
