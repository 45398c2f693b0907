import { countAt, definedOnly, isJsonObject, objectAt, stringAt } from './json.guards.js';
import type { JsonObject, ModelListing, ProtocolAdapter, ProtocolConfig, RawUsage, StreamFacts } from './protocol.types.js';

const OPENAI_SHARED = {
  providerProtocol: 'openai',
  inputIncludesCached: true,
  errorDialect: 'openai',
} as const;

export const OPENAI_CHAT_CONFIG: ProtocolConfig = {
  ...OPENAI_SHARED,
  clientProtocol: 'openai_chat',
  route: '/v1/chat/completions',
  upstreamPath: '/chat/completions',
  // max_tokens is deprecated in favour of max_completion_tokens, but clients still send it.
  maxTokensFields: ['max_completion_tokens', 'max_tokens'],
  maxTokensRequired: false,
  streamUsageOptIn: true,
};

export const OPENAI_RESPONSES_CONFIG: ProtocolConfig = {
  ...OPENAI_SHARED,
  clientProtocol: 'openai_responses',
  route: '/v1/responses',
  upstreamPath: '/responses',
  maxTokensFields: ['max_output_tokens'],
  maxTokensRequired: false,
  streamUsageOptIn: false,
};

/** Chat completions: `usage` {prompt_tokens (cached included), completion_tokens, prompt_tokens_details.cached_tokens}. */
function chatUsage(usage: JsonObject | undefined): RawUsage | null {
  if (usage === undefined) return null;
  return definedOnly({
    input: countAt(usage, 'prompt_tokens'),
    output: countAt(usage, 'completion_tokens'),
    cacheRead: countAt(objectAt(usage, 'prompt_tokens_details'), 'cached_tokens'),
  });
}

/** Output items of tools the provider runs and bills per call (see worst-case.ts for the tools it counts as priced). */
const SERVER_TOOL_CALL_ITEMS = /^(web_search|file_search|code_interpreter|image_generation|mcp|computer)_call$/;

/**
 * Responses: `usage` {input_tokens (cached included), output_tokens, input_tokens_details.cached_tokens}, and the
 * server tool calls among the response's `output` items.
 */
function responsesUsage(response: JsonObject | undefined): RawUsage | null {
  const usage = objectAt(response, 'usage');
  if (usage === undefined) return null;
  const output = response?.['output'];
  const toolCalls = Array.isArray(output)
    ? output.filter((item) => SERVER_TOOL_CALL_ITEMS.test(stringAt(isJsonObject(item) ? item : undefined, 'type') ?? '')).length
    : 0;
  // Reported only when there were some: a complete answer without the field made none.
  const serverToolCalls = toolCalls > 0 ? toolCalls : undefined;
  return definedOnly({
    input: countAt(usage, 'input_tokens'),
    output: countAt(usage, 'output_tokens'),
    cacheRead: countAt(objectAt(usage, 'input_tokens_details'), 'cached_tokens'),
    serverToolCalls,
  });
}

const nonEmpty = (value: unknown): boolean =>
  (typeof value === 'string' && value.length > 0) || (Array.isArray(value) && value.length > 0) || isJsonObject(value);

const CHAT_DELTA_CONTENT = ['content', 'tool_calls', 'function_call', 'refusal', 'reasoning_content', 'reasoning', 'audio'];

function chatChunkFacts(data: JsonObject): StreamFacts {
  const error = objectAt(data, 'error');
  if (error !== undefined) return { error: stringAt(error, 'type') ?? stringAt(error, 'code') ?? 'error' };
  const choices = data['choices'];
  const token =
    Array.isArray(choices) &&
    choices.some((choice) => {
      const delta = objectAt(choice, 'delta');
      return delta !== undefined && CHAT_DELTA_CONTENT.some((field) => nonEmpty(delta[field]));
    });
  const usage = chatUsage(objectAt(data, 'usage'));
  // The usage chunk comes last, alone: once it is here the call's figures are complete.
  return definedOnly({ usage: usage ?? undefined, token: token || undefined, final: usage !== null || undefined });
}

function chatChunkText(data: JsonObject): string {
  const choices = data['choices'];
  if (!Array.isArray(choices)) return '';
  let text = '';
  for (const choice of choices) {
    const delta = objectAt(choice, 'delta');
    if (delta === undefined) continue;
    for (const field of ['content', 'refusal', 'reasoning_content', 'reasoning'] as const) text += stringAt(delta, field) ?? '';
    const calls = delta['tool_calls'];
    if (!Array.isArray(calls)) continue;
    for (const call of calls) {
      const fn = objectAt(call, 'function');
      text += (stringAt(fn, 'name') ?? '') + (stringAt(fn, 'arguments') ?? '');
    }
  }
  return text;
}

/** The events that close a streamed response carry the whole response, usage included. */
const RESPONSE_TERMINAL_EVENTS = new Set(['response.completed', 'response.incomplete', 'response.failed']);

function responsesEventFacts(data: JsonObject): StreamFacts {
  const type = stringAt(data, 'type') ?? '';
  if (type === 'error') return { error: stringAt(data, 'code') ?? 'error' };
  if (RESPONSE_TERMINAL_EVENTS.has(type)) {
    const response = objectAt(data, 'response');
    const usage = responsesUsage(response) ?? undefined;
    const error = type === 'response.failed' ? (stringAt(objectAt(response, 'error'), 'code') ?? 'response_failed') : undefined;
    return definedOnly({ usage, error, final: usage !== undefined || undefined });
  }
  // Every content-bearing event is a `.delta` (output_text, refusal, function_call_arguments, reasoning…).
  return type.endsWith('.delta') ? { token: true } : {};
}

/** Every content-bearing Responses event is a `.delta` with its text in `delta`. */
function responsesEventText(data: JsonObject): string {
  return (stringAt(data, 'type') ?? '').endsWith('.delta') ? (stringAt(data, 'delta') ?? '') : '';
}

function openAiModelsList(models: readonly ModelListing[]): JsonObject {
  return {
    object: 'list',
    data: models.map((m) => ({ id: m.id, object: 'model', created: unixSeconds(m.createdAt), owned_by: 'switchboard' })),
  };
}

function unixSeconds(iso: string): number {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : 0;
}

export const openAiChatAdapter: ProtocolAdapter = {
  config: OPENAI_CHAT_CONFIG,
  rawUsageFromResponse: (json) => chatUsage(objectAt(json, 'usage')),
  streamEventFacts: chatChunkFacts,
  streamEventText: chatChunkText,
  modelsListBody: openAiModelsList,
};

export const openAiResponsesAdapter: ProtocolAdapter = {
  config: OPENAI_RESPONSES_CONFIG,
  rawUsageFromResponse: (json) => responsesUsage(isJsonObject(json) ? json : undefined),
  streamEventFacts: responsesEventFacts,
  streamEventText: responsesEventText,
  modelsListBody: openAiModelsList,
};
