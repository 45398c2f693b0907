import { isJsonObject } from '../../json.guards.js';
import type { JsonObject } from '../../protocol.types.js';
import { chatUsageOf, finishReasonOf, responseStatusOf, responsesUsageOf } from '../reasons.js';
import { arrayField, objectField, optionalString, pathOf, stringField } from '../untranslatable.js';
import { createdOf, derivedId, type TranslateResponseContext } from './answer-ids.js';

type Piece = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'call'; readonly id: string; readonly name: string; readonly arguments: string };

/**
 * The parts of an Anthropic answer a client of the other family can read: text and tool calls, in order.
 * `thinking` blocks (reasoning signed for Anthropic models) and blocks of tools Anthropic runs itself (never asked
 * for through translation: the request refuses them) are left out.
 */
function piecesOf(body: JsonObject): Piece[] {
  const pieces: Piece[] = [];
  arrayField(body['content'], 'content').forEach((block, index) => {
    const field = pathOf('content', index);
    const entry = objectField(block, field);
    if (entry['type'] === 'text') pieces.push({ kind: 'text', text: stringField(entry['text'], pathOf(field, 'text')) });
    if (entry['type'] === 'tool_use') {
      pieces.push({
        kind: 'call',
        id: stringField(entry['id'], pathOf(field, 'id')),
        name: stringField(entry['name'], pathOf(field, 'name')),
        arguments: JSON.stringify(objectField(entry['input'], pathOf(field, 'input'))),
      });
    }
  });
  return pieces;
}

const usageOf = (body: JsonObject): JsonObject => (isJsonObject(body['usage']) ? body['usage'] : {});

/** An Anthropic message → a `chat.completion`. */
export function anthropicToChatResponse(body: JsonObject, ctx: TranslateResponseContext): Record<string, unknown> {
  const pieces = piecesOf(body);
  const text = pieces.flatMap((piece) => (piece.kind === 'text' ? [piece.text] : [])).join('');
  const calls = pieces.flatMap((piece) =>
    piece.kind === 'call' ? [{ id: piece.id, type: 'function', function: { name: piece.name, arguments: piece.arguments } }] : [],
  );
  const stopReason = optionalString(body['stop_reason'], 'stop_reason');
  return {
    id: derivedId('chatcmpl-', body['id'], body),
    object: 'chat.completion',
    created: createdOf(ctx),
    model: ctx.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: text === '' && calls.length > 0 ? null : text, refusal: null, ...(calls.length === 0 ? {} : { tool_calls: calls }) },
        logprobs: null,
        finish_reason: finishReasonOf(stopReason) ?? 'stop',
      },
    ],
    usage: chatUsageOf(usageOf(body)),
  };
}

/**
 * An Anthropic message → a Responses `response`: consecutive text blocks become one `message` item of
 * `output_text` parts, each tool call a `function_call` item whose `call_id` is the Anthropic tool-use id (the
 * client sends it back in `function_call_output`, and the request translator turns it into `tool_use_id`).
 */
export function anthropicToResponsesResponse(body: JsonObject, ctx: TranslateResponseContext): Record<string, unknown> {
  const { status, incompleteReason } = responseStatusOf(optionalString(body['stop_reason'], 'stop_reason'));
  const messageId = derivedId('msg_', body['id'], body);
  const output: Record<string, unknown>[] = [];
  for (const piece of piecesOf(body)) {
    const last = output.at(-1);
    if (piece.kind === 'call') {
      output.push({ type: 'function_call', id: derivedId('fc_', piece.id, body), call_id: piece.id, name: piece.name, arguments: piece.arguments, status: 'completed' });
    } else if (last?.['type'] === 'message' && Array.isArray(last['content'])) {
      last['content'].push({ type: 'output_text', text: piece.text, annotations: [] });
    } else {
      const id = output.length === 0 ? messageId : `${messageId}_${output.length}`;
      output.push({ type: 'message', id, status, role: 'assistant', content: [{ type: 'output_text', text: piece.text, annotations: [] }] });
    }
  }
  return {
    id: derivedId('resp_', body['id'], body),
    object: 'response',
    created_at: createdOf(ctx),
    status,
    error: null,
    incomplete_details: incompleteReason === null ? null : { reason: incompleteReason },
    model: ctx.model,
    output,
    usage: responsesUsageOf(usageOf(body)),
  };
}
