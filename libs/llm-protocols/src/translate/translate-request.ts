import type { JsonObject } from '../protocol.types.js';
import { anthropicToChatRequest } from './request/anthropic-to-chat.request.js';
import { chatToAnthropicRequest } from './request/chat-to-anthropic.request.js';
import { responsesToAnthropicRequest } from './request/responses-to-anthropic.request.js';
import type { TranslateRequestOptions } from './request/sampling.js';
import type { Direction, Translated } from './translate.types.js';
import { attempt } from './untranslatable.js';

export type { TranslateRequestOptions } from './request/sampling.js';
export { DEFAULT_ANTHROPIC_MAX_TOKENS } from './request/sampling.js';

/**
 * A client's request body (`direction.from`, the client's dialect) → the body in the upstream's dialect
 * (`direction.to`), or the first field that cannot be carried. `model` stays as the client sent it: the gateway
 * sets the upstream model afterwards (prepareUpstreamBody, in the upstream's dialect).
 */
export function translateRequest(direction: Direction, body: JsonObject, options: TranslateRequestOptions = {}): Translated<Record<string, unknown>> {
  const { from, to } = direction;
  if (from === to) return { ok: true, value: { ...body } };
  if (from === 'openai_chat' && to === 'anthropic_messages') return attempt(() => chatToAnthropicRequest(body, options));
  if (from === 'openai_responses' && to === 'anthropic_messages') return attempt(() => responsesToAnthropicRequest(body, options));
  if (from === 'anthropic_messages' && to === 'openai_chat') return attempt(() => anthropicToChatRequest(body));
  return { ok: false, field: '', message: `requests are not translated from ${from} to ${to}` };
}
