import type { JsonObject } from '../protocol.types.js';
import { anthropicToChatResponse, anthropicToResponsesResponse } from './response/anthropic-to-openai.response.js';
import type { TranslateResponseContext } from './response/answer-ids.js';
import { chatToAnthropicResponse } from './response/chat-to-anthropic.response.js';
import type { Direction, Translated } from './translate.types.js';
import { attempt } from './untranslatable.js';

export type { TranslateResponseContext } from './response/answer-ids.js';

/**
 * A whole (non-streamed) upstream answer in `direction.from` (the upstream's dialect) → the client's shape in
 * `direction.to`. A failure names the field of the upstream's answer that was unreadable: the upstream answered
 * garbage, which the gateway reports as a bad gateway, not as the client's fault.
 */
export function translateResponse(direction: Direction, body: JsonObject, ctx: TranslateResponseContext): Translated<Record<string, unknown>> {
  const { from, to } = direction;
  if (from === to) return { ok: true, value: { ...body } };
  if (from === 'anthropic_messages' && to === 'openai_chat') return attempt(() => anthropicToChatResponse(body, ctx));
  if (from === 'anthropic_messages' && to === 'openai_responses') return attempt(() => anthropicToResponsesResponse(body, ctx));
  if (from === 'openai_chat' && to === 'anthropic_messages') return attempt(() => chatToAnthropicResponse(body, ctx));
  return { ok: false, field: '', message: `answers are not translated from ${from} to ${to}` };
}
