/**
 * Why an answer ended and what it used, in each family's words. Anthropic: `stop_reason` end_turn | max_tokens |
 * stop_sequence | tool_use | pause_turn | refusal | model_context_window_exceeded. OpenAI chat: `finish_reason`
 * stop | length | tool_calls | content_filter | function_call. Responses: `status` completed | incomplete with
 * `incomplete_details.reason` max_output_tokens | content_filter.
 */
const TO_FINISH: Readonly<Record<string, string>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

const TO_STOP: Readonly<Record<string, string>> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  content_filter: 'refusal',
};

/** Anthropic `stop_reason` → OpenAI chat `finish_reason` (null stays null: not finished yet). */
export function finishReasonOf(stopReason: string | null | undefined): string | null {
  if (stopReason === null || stopReason === undefined) return null;
  return TO_FINISH[stopReason] ?? 'stop';
}

/** OpenAI chat `finish_reason` → Anthropic `stop_reason`. */
export function stopReasonOf(finishReason: string | null | undefined): string | null {
  if (finishReason === null || finishReason === undefined) return null;
  return TO_STOP[finishReason] ?? 'end_turn';
}

/** Anthropic `stop_reason` → a Responses API `status` and, when incomplete, why. */
export function responseStatusOf(stopReason: string | null | undefined): { status: 'completed' | 'incomplete'; incompleteReason: string | null } {
  if (stopReason === 'max_tokens' || stopReason === 'model_context_window_exceeded') return { status: 'incomplete', incompleteReason: 'max_output_tokens' };
  if (stopReason === 'refusal') return { status: 'incomplete', incompleteReason: 'content_filter' };
  return { status: 'completed', incompleteReason: null };
}

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
}

const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0);

/** Anthropic usage → OpenAI chat `usage`: prompt tokens count cache reads and writes; cached = cache reads. */
export function chatUsageOf(usage: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const cached = count(usage['cache_read_input_tokens']);
  const prompt = count(usage['input_tokens']) + cached + count(usage['cache_creation_input_tokens']);
  const completion = count(usage['output_tokens']);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: cached } };
}

/** Anthropic usage → Responses API `usage`. */
export function responsesUsageOf(usage: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const chat = chatUsageOf(usage);
  const input = chat['prompt_tokens'] as number;
  const output = chat['completion_tokens'] as number;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: count(usage['cache_read_input_tokens']) },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: input + output,
  };
}

/** OpenAI chat `usage` → Anthropic usage: input excludes the cached part, reported as cache reads. */
export function anthropicUsageOf(usage: Readonly<Record<string, unknown>>): AnthropicUsage {
  const details = usage['prompt_tokens_details'];
  const cached = typeof details === 'object' && details !== null ? count((details as Record<string, unknown>)['cached_tokens']) : 0;
  const prompt = count(usage['prompt_tokens']);
  return { input_tokens: Math.max(0, prompt - cached), output_tokens: count(usage['completion_tokens']), cache_read_input_tokens: cached };
}
