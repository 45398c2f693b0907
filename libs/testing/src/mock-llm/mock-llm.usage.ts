import type { MockEndpoint, MockLlmOptions, MockUsage } from './mock-llm.types.js';

type Json = Readonly<Record<string, unknown>>;

/** The prompt part of a request: what the input token estimate is computed from. */
function promptOf(endpoint: MockEndpoint, body: Json): unknown {
  switch (endpoint) {
    case 'chat_completions':
      return body['messages'] ?? null;
    case 'responses':
      return { instructions: body['instructions'] ?? null, input: body['input'] ?? null };
    case 'messages':
      return { system: body['system'] ?? null, messages: body['messages'] ?? null };
    case 'models':
      return null;
  }
}

/**
 * Input tokens of a request when not configured: ceil(UTF-8 bytes of JSON.stringify(prompt) / 4),
 * at least 1, where prompt is `messages` (chat completions), `{instructions, input}` (responses) or
 * `{system, messages}` (Anthropic messages). Only the prompt counts, so a proxy that rewrites the
 * model name or adds stream options does not change it.
 */
export function estimateInputTokens(endpoint: MockEndpoint, body: Json): number {
  return Math.max(1, Math.ceil(Buffer.byteLength(JSON.stringify(promptOf(endpoint, body)), 'utf8') / 4));
}

const MAX_FIELDS: Readonly<Record<MockEndpoint, readonly string[]>> = {
  chat_completions: ['max_completion_tokens', 'max_tokens'],
  responses: ['max_output_tokens'],
  messages: ['max_tokens'],
  models: [],
};

/** The request's own output maximum, if it set a valid one. */
export function requestedMaximum(endpoint: MockEndpoint, body: Json): number | null {
  for (const field of MAX_FIELDS[endpoint]) {
    const value = body[field];
    if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value;
  }
  return null;
}

/** What a call reports: output = the request's maximum, else the configured default. */
export function plannedUsage(endpoint: MockEndpoint, body: Json, options: MockLlmOptions): MockUsage {
  const inputTokens = options.inputTokens ?? estimateInputTokens(endpoint, body);
  return {
    inputTokens,
    outputTokens: requestedMaximum(endpoint, body) ?? options.outputTokens,
    cachedTokens: Math.min(Math.max(0, options.cachedTokens), inputTokens),
  };
}

/** The reply split into `chunks` non-empty pieces, or one per code point when it is shorter. */
export function splitReply(reply: string, chunks: number): string[] {
  const chars = Array.from(reply.length > 0 ? reply : ' ');
  const count = Math.max(1, Math.min(Math.floor(chunks), chars.length));
  const pieces: string[] = [];
  for (let i = 0; i < count; i++) {
    pieces.push(chars.slice(Math.floor((i * chars.length) / count), Math.floor(((i + 1) * chars.length) / count)).join(''));
  }
  return pieces;
}
