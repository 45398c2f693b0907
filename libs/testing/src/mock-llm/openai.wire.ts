import type { MockUsage } from './mock-llm.types.js';
import { sseFrame, textOf, type Json, type WireContext, type WireEvent } from './mock-llm.wire.js';

/** Chat completions usage: prompt_tokens include the cached ones. */
const chatUsage = (u: MockUsage) => ({
  prompt_tokens: u.inputTokens,
  completion_tokens: u.outputTokens,
  total_tokens: u.inputTokens + u.outputTokens,
  prompt_tokens_details: { cached_tokens: u.cachedTokens, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
});

function chatMessage(ctx: WireContext): Json {
  const call = ctx.toolCall;
  if (call === null) return { role: 'assistant', content: textOf(ctx), refusal: null, annotations: [] };
  return { role: 'assistant', content: null, refusal: null, annotations: [], tool_calls: [{ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } }] };
}

export function chatCompletion(ctx: WireContext): Json {
  return {
    id: ctx.id,
    object: 'chat.completion',
    created: ctx.created,
    model: ctx.model,
    choices: [{ index: 0, message: chatMessage(ctx), logprobs: null, finish_reason: ctx.toolCall === null ? 'stop' : 'tool_calls' }],
    usage: chatUsage(ctx.usage),
    service_tier: 'default',
    system_fingerprint: 'fp_mock',
  };
}

/**
 * Role chunk, content chunks (a tool call: its id and name, then its arguments in fragments), finish chunk; with include_usage every chunk carries `usage: null` and a
 * last chunk with empty `choices` carries the usage; then `data: [DONE]`.
 */
export function chatCompletionEvents(ctx: WireContext, includeUsage: boolean): WireEvent[] {
  const chunk = (choices: unknown[], usage?: unknown): string =>
    sseFrame({
      id: ctx.id, object: 'chat.completion.chunk', created: ctx.created, model: ctx.model,
      service_tier: 'default', system_fingerprint: 'fp_mock', choices,
      ...(includeUsage ? { usage: usage ?? null } : {}),
    });
  const choice = (delta: Json, finish: string | null = null) => [{ index: 0, delta, logprobs: null, finish_reason: finish }];
  const call = ctx.toolCall;
  const events: WireEvent[] = [{ frame: chunk(choice({ role: 'assistant', content: call === null ? '' : null, refusal: null })), content: false }];
  if (call === null) {
    for (const piece of ctx.pieces) events.push({ frame: chunk(choice({ content: piece })), content: true });
  } else {
    const opening = { index: 0, id: call.id, type: 'function', function: { name: call.name, arguments: '' } };
    events.push({ frame: chunk(choice({ tool_calls: [opening] })), content: false });
    for (const piece of ctx.pieces) events.push({ frame: chunk(choice({ tool_calls: [{ index: 0, function: { arguments: piece } }] })), content: true });
  }
  events.push({ frame: chunk(choice({}, call === null ? 'stop' : 'tool_calls')), content: false });
  if (includeUsage) events.push({ frame: chunk([], chatUsage(ctx.usage)), content: false, usage: ctx.usage });
  events.push({ frame: sseFrame('[DONE]'), content: false });
  return events;
}

const responsesUsage = (u: MockUsage) => ({
  input_tokens: u.inputTokens,
  input_tokens_details: { cached_tokens: u.cachedTokens },
  output_tokens: u.outputTokens,
  output_tokens_details: { reasoning_tokens: 0 },
  total_tokens: u.inputTokens + u.outputTokens,
});

/** The searches the answer ran, as completed output items before its message. */
const searchCalls = (ctx: WireContext) =>
  Array.from({ length: ctx.serverToolCalls }, (_, i) => ({ id: `ws_${ctx.id.slice('resp_'.length)}_${i}`, type: 'web_search_call', status: 'completed' }));

const messageId = (ctx: WireContext) => `msg_${ctx.id.slice('resp_'.length)}`;

const outputText = (text: string) => ({ type: 'output_text', text, annotations: [], logprobs: [] });

/** A Responses function call item; `args` is '' while its arguments are still streaming. */
const functionCallItem = (ctx: WireContext, status: string, args: string) => ({
  id: `fc_${ctx.id.slice('resp_'.length)}`,
  type: 'function_call',
  status,
  arguments: args,
  call_id: ctx.toolCall?.id ?? '',
  name: ctx.toolCall?.name ?? '',
});

function responseObject(ctx: WireContext, done: boolean): Json {
  const item =
    ctx.toolCall === null
      ? { id: messageId(ctx), type: 'message', status: 'completed', role: 'assistant', content: [outputText(textOf(ctx))] }
      : functionCallItem(ctx, 'completed', ctx.toolCall.arguments);
  return {
    id: ctx.id,
    object: 'response',
    created_at: ctx.created,
    status: done ? 'completed' : 'in_progress',
    completed_at: done ? ctx.created : null,
    error: null,
    incomplete_details: null,
    instructions: ctx.body['instructions'] ?? null,
    max_output_tokens: ctx.body['max_output_tokens'] ?? null,
    model: ctx.model,
    output: done ? [...searchCalls(ctx), item] : [],
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: false,
    temperature: 1,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: ctx.body['tool_choice'] ?? 'auto',
    tools: Array.isArray(ctx.body['tools']) ? ctx.body['tools'] : [],
    top_p: 1,
    truncation: 'disabled',
    usage: done ? responsesUsage(ctx.usage) : null,
    metadata: {},
  };
}

export const response = (ctx: WireContext): Json => responseObject(ctx, true);

/**
 * The Responses event sequence the openai client rebuilds an answer from: `response.created` first,
 * the message item added with empty content, its text part, deltas addressed by output_index and
 * content_index, the done events, and `response.completed` carrying the whole response and usage.
 */
export function responseEvents(ctx: WireContext): WireEvent[] {
  let sequence = 0;
  const event = (type: string, fields: Json, extra: Partial<WireEvent> = {}): WireEvent => ({
    frame: sseFrame({ type, sequence_number: sequence++, ...fields }, type),
    content: false,
    ...extra,
  });
  if (ctx.toolCall !== null) {
    const args = ctx.toolCall.arguments;
    const at = { item_id: functionCallItem(ctx, '', '').id, output_index: 0 };
    return [
      event('response.created', { response: responseObject(ctx, false) }),
      event('response.in_progress', { response: responseObject(ctx, false) }),
      event('response.output_item.added', { output_index: 0, item: functionCallItem(ctx, 'in_progress', '') }),
      ...ctx.pieces.map((delta) => event('response.function_call_arguments.delta', { ...at, delta }, { content: true })),
      event('response.function_call_arguments.done', { ...at, arguments: args }),
      event('response.output_item.done', { output_index: 0, item: functionCallItem(ctx, 'completed', args) }),
      event('response.completed', { response: responseObject(ctx, true) }, { usage: ctx.usage }),
    ];
  }
  const address = { item_id: messageId(ctx), output_index: 0, content_index: 0 };
  const text = textOf(ctx);
  const item = (status: string, content: unknown[]) => ({ id: messageId(ctx), type: 'message', status, role: 'assistant', content });
  return [
    event('response.created', { response: responseObject(ctx, false) }),
    event('response.in_progress', { response: responseObject(ctx, false) }),
    event('response.output_item.added', { output_index: 0, item: item('in_progress', []) }),
    event('response.content_part.added', { ...address, part: outputText('') }),
    ...ctx.pieces.map((delta) => event('response.output_text.delta', { ...address, delta, logprobs: [] }, { content: true })),
    event('response.output_text.done', { ...address, text, logprobs: [] }),
    event('response.content_part.done', { ...address, part: outputText(text) }),
    event('response.output_item.done', { output_index: 0, item: item('completed', [outputText(text)]) }),
    event('response.completed', { response: responseObject(ctx, true) }, { usage: ctx.usage }),
  ];
}

export function openAiModels(models: readonly string[], created: number): Json {
  return { object: 'list', data: models.map((id) => ({ id, object: 'model', created, owned_by: 'mock-llm' })) };
}

const OPENAI_ERRORS: Readonly<Record<number, { type: string; code: string | null }>> = {
  400: { type: 'invalid_request_error', code: null },
  401: { type: 'invalid_request_error', code: 'invalid_api_key' },
  403: { type: 'invalid_request_error', code: 'unsupported_country_region_territory' },
  404: { type: 'invalid_request_error', code: 'model_not_found' },
  429: { type: 'requests', code: 'rate_limit_exceeded' },
};

/** `{error: {message, type, param, code}}`, with the types and codes the OpenAI API uses. */
export function openAiError(status: number, message: string): Json {
  const kind = OPENAI_ERRORS[status] ?? { type: 'server_error', code: null };
  return { error: { message, type: kind.type, param: null, code: kind.code } };
}
