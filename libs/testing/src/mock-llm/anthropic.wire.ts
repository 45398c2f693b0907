import type { MockUsage } from './mock-llm.types.js';
import { sseFrame, textOf, type Json, type WireContext, type WireEvent } from './mock-llm.wire.js';

/** Anthropic reports cache reads beside input_tokens, not inside it, and searches in server_tool_use. */
const anthropicUsage = (u: MockUsage, outputTokens: number, searches = 0) => ({
  input_tokens: u.inputTokens - u.cachedTokens,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: u.cachedTokens,
  output_tokens: outputTokens,
  ...(searches > 0 ? { server_tool_use: { web_search_requests: searches } } : {}),
  service_tier: 'standard',
});

const stopReason = (ctx: WireContext): string => (ctx.toolCall === null ? 'end_turn' : 'tool_use');

/** The answer's one block: its text, or a `tool_use` whose input is empty until its JSON has streamed. */
function contentBlock(ctx: WireContext, done: boolean): Json {
  const call = ctx.toolCall;
  if (call === null) return { type: 'text', text: done ? textOf(ctx) : '', citations: null };
  return { type: 'tool_use', id: call.id, name: call.name, input: done ? (JSON.parse(call.arguments) as unknown) : {} };
}

function messageObject(ctx: WireContext, done: boolean): Json {
  return {
    id: ctx.id,
    type: 'message',
    role: 'assistant',
    model: ctx.model,
    content: done ? [contentBlock(ctx, true)] : [],
    stop_reason: done ? stopReason(ctx) : null,
    stop_sequence: null,
    // message_start reports one output token, as the real API does; message_delta the final count.
    usage: done ? anthropicUsage(ctx.usage, ctx.usage.outputTokens, ctx.serverToolCalls) : anthropicUsage(ctx.usage, Math.min(1, ctx.usage.outputTokens)),
  };
}

export const message = (ctx: WireContext): Json => messageObject(ctx, true);

/** message_start, content_block_start, ping, text (or input_json) deltas, content_block_stop, message_delta, message_stop. */
export function messageEvents(ctx: WireContext): WireEvent[] {
  const event = (type: string, fields: Json, extra: Partial<WireEvent> = {}): WireEvent => ({
    frame: sseFrame({ type, ...fields }, type),
    content: false,
    ...extra,
  });
  const start = messageObject(ctx, false);
  return [
    event('message_start', { message: start }, { usage: { ...ctx.usage, outputTokens: Math.min(1, ctx.usage.outputTokens) } }),
    event('content_block_start', { index: 0, content_block: contentBlock(ctx, false) }),
    event('ping', {}),
    ...ctx.pieces.map((piece) => event('content_block_delta', { index: 0, delta: deltaOf(ctx, piece) }, { content: true })),
    event('content_block_stop', { index: 0 }),
    event(
      'message_delta',
      {
        delta: { stop_reason: stopReason(ctx), stop_sequence: null },
        usage: { output_tokens: ctx.usage.outputTokens, ...(ctx.serverToolCalls > 0 ? { server_tool_use: { web_search_requests: ctx.serverToolCalls } } : {}) },
      },
      { usage: ctx.usage },
    ),
    event('message_stop', {}),
  ];
}

const deltaOf = (ctx: WireContext, piece: string): Json =>
  ctx.toolCall === null ? { type: 'text_delta', text: piece } : { type: 'input_json_delta', partial_json: piece };

export function anthropicModels(models: readonly string[], createdAt: string, page: { readonly afterId: string | null; readonly limit: number }): Json {
  const start = page.afterId === null ? 0 : models.indexOf(page.afterId) + 1;
  const shown = models.slice(start, start + page.limit);
  return {
    data: shown.map((id) => ({ type: 'model', id, display_name: id, created_at: createdAt })),
    has_more: start + shown.length < models.length,
    first_id: shown[0] ?? null,
    last_id: shown[shown.length - 1] ?? null,
  };
}

const ANTHROPIC_ERRORS: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

/** `{type: "error", error: {type, message}, request_id}`, with the types the Anthropic API documents. */
export function anthropicError(status: number, message: string, requestId: string): Json {
  const type = ANTHROPIC_ERRORS[status] ?? (status === 503 ? 'overloaded_error' : 'api_error');
  return { type: 'error', error: { type, message }, request_id: requestId };
}
