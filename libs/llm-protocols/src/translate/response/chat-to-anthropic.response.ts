import { isJsonObject } from '../../json.guards.js';
import type { JsonObject } from '../../protocol.types.js';
import { anthropicUsageOf, stopReasonOf } from '../reasons.js';
import { arrayField, objectField, optionalString, parseArguments, pathOf, refuse, stringField } from '../untranslatable.js';
import { derivedId, type TranslateResponseContext } from './answer-ids.js';

/**
 * A `chat.completion` → an Anthropic message, from its first choice (the request translator never asks for more).
 * A refusal becomes text, as Anthropic states one; `stop_sequence` stays null since chat does not say which stop
 * matched. Non-standard fields some OpenAI-compatible servers add (`reasoning_content`) have no Anthropic form.
 */
export function chatToAnthropicResponse(body: JsonObject, ctx: TranslateResponseContext): Record<string, unknown> {
  const choices = arrayField(body['choices'], 'choices');
  if (choices.length === 0) refuse('choices', 'must hold at least one choice');
  const choice = objectField(choices[0], 'choices[0]');
  const message = objectField(choice['message'], 'choices[0].message');
  const content: JsonObject[] = [];
  for (const text of textsOf(message['content'], 'choices[0].message.content')) if (text !== '') content.push({ type: 'text', text });
  const refusal = optionalString(message['refusal'], 'choices[0].message.refusal');
  if (refusal !== undefined && refusal !== '') content.push({ type: 'text', text: refusal });
  const calls = message['tool_calls'];
  if (calls !== undefined && calls !== null) {
    arrayField(calls, 'choices[0].message.tool_calls').forEach((call, index) => {
      const field = pathOf('choices[0].message.tool_calls', index);
      const entry = objectField(call, field);
      const fn = objectField(entry['function'], pathOf(field, 'function'));
      content.push({
        type: 'tool_use',
        id: stringField(entry['id'], pathOf(field, 'id')),
        name: stringField(fn['name'], pathOf(field, 'function.name')),
        input: parseArguments(fn['arguments'], pathOf(field, 'function.arguments')),
      });
    });
  }
  // Some OpenAI-compatible servers finish a tool-calling answer with `stop`; an Anthropic client runs tools on `tool_use`.
  const hasCalls = content.some((block) => block['type'] === 'tool_use');
  const finishReason = optionalString(choice['finish_reason'], 'choices[0].finish_reason');
  return {
    id: derivedId('msg_', body['id'], body),
    type: 'message',
    role: 'assistant',
    model: ctx.model,
    content,
    stop_reason: stopReasonOf(hasCalls ? 'tool_calls' : finishReason) ?? 'end_turn',
    stop_sequence: null,
    usage: anthropicUsageOf(isJsonObject(body['usage']) ? body['usage'] : {}),
  };
}

/** Chat answer content: a string, null, or (from some compatible servers) text parts. */
function textsOf(content: unknown, field: string): string[] {
  if (content === undefined || content === null) return [];
  if (typeof content === 'string') return [content];
  return arrayField(content, field).flatMap((part, index) => {
    const entry = objectField(part, pathOf(field, index));
    return entry['type'] === 'text' ? [stringField(entry['text'], pathOf(pathOf(field, index), 'text'))] : [];
  });
}
