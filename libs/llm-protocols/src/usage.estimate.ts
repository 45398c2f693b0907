import { isJsonObject } from './json.guards.js';
import type { ClientProtocol, JsonObject, ProviderProtocol, TokenUsage } from './protocol.types.js';
import type { GeneratedText } from './sse.usage-tracker.js';

/** Which tokenizer counts a provider's text: its protocol's family (a self-hosted model is counted as its protocol's). */
export type TokenizerFamily = 'openai' | 'anthropic';

export const tokenizerFamilyOf = (protocol: ProviderProtocol): TokenizerFamily => (protocol === 'anthropic_messages' ? 'anthropic' : 'openai');

/** Tokens each message costs beyond its text (role and separators), as both families' chat formats add about. */
export const MESSAGE_OVERHEAD_TOKENS = 4;

/**
 * An image, audio clip or file part is not text, and what it costs depends on its size and the model. Each counts
 * as this many tokens, above what either family charges for one image at its largest (OpenAI high detail,
 * Anthropic's ~1.15 megapixel cap): the bound budgets reserve and estimates charge.
 */
export const MEDIA_PART_TOKENS = 6_000;

/** Text beyond this many characters is not tokenized: it is counted at the rate of the part that was. */
export const TOKENIZED_CHARS = 64 * 1024;

/** Parts that carry media rather than text, in any of the three protocols. */
const MEDIA_TYPES = new Set(['image_url', 'input_image', 'image', 'input_audio', 'file', 'input_file', 'document']);
/** Fields that name or route things and are never shown to the model as text. */
const NOT_TEXT = new Set(['type', 'role', 'id', 'call_id', 'tool_call_id', 'tool_use_id', 'cache_control', 'url', 'detail', 'media_type', 'status']);

/** The top-level fields of a request that reach the model as prompt. */
const PROMPT_FIELDS: Readonly<Record<ClientProtocol, readonly string[]>> = {
  openai_chat: ['messages', 'tools', 'functions'],
  openai_responses: ['instructions', 'input', 'tools'],
  anthropic_messages: ['system', 'messages', 'tools'],
};
const MESSAGE_LISTS: Readonly<Record<ClientProtocol, string>> = { openai_chat: 'messages', openai_responses: 'input', anthropic_messages: 'messages' };

export interface PromptText {
  /** Every piece of text the model reads, joined. */
  readonly text: string;
  readonly messages: number;
  readonly mediaParts: number;
}

/**
 * Visits what a request puts before the model: each piece of text it reads, and each media part (whose inside,
 * base64 data included, is not text). Returns the number of media parts.
 */
function walkPrompt(protocol: ClientProtocol, body: JsonObject, onText: (text: string) => void): number {
  let mediaParts = 0;
  const walk = (value: unknown, key: string | null, depth: number): void => {
    if (depth > 32) return;
    if (typeof value === 'string') {
      if (key === null || !NOT_TEXT.has(key)) onText(value);
    } else if (Array.isArray(value)) {
      for (const item of value) walk(item, key, depth + 1);
    } else if (isJsonObject(value)) {
      const type = value['type'];
      if (typeof type === 'string' && MEDIA_TYPES.has(type)) {
        mediaParts++;
        return;
      }
      for (const [child, inner] of Object.entries(value)) walk(inner, child, depth + 1);
    }
  };
  for (const field of PROMPT_FIELDS[protocol]) walk(body[field], null, 0);
  return mediaParts;
}

/** What a request puts before the model: its text, its number of messages and its media parts. */
export function promptText(protocol: ClientProtocol, body: JsonObject): PromptText {
  const pieces: string[] = [];
  const mediaParts = walkPrompt(protocol, body, (text) => pieces.push(text));
  const list = body[MESSAGE_LISTS[protocol]];
  const messages = Array.isArray(list) ? list.length : typeof list === 'string' ? 1 : 0;
  return { text: pieces.join('\n'), messages, mediaParts };
}

/** The media parts of a request alone (a budget's bound), without gathering its text. */
export function mediaPartsOf(protocol: ClientProtocol, body: JsonObject): number {
  return walkPrompt(protocol, body, () => undefined);
}

/** Counts the tokens of a text with the family's tokenizer (in a worker, in this process, …). */
export type TokenCounter = (family: TokenizerFamily, texts: readonly string[]) => Promise<readonly number[]>;

/** At most TOKENIZED_CHARS of a text are tokenized; the rest is counted at the same rate. */
export function tokenizedSample(text: string): { readonly sample: string; readonly scale: number } {
  return text.length <= TOKENIZED_CHARS ? { sample: text, scale: 1 } : { sample: text.slice(0, TOKENIZED_CHARS), scale: text.length / TOKENIZED_CHARS };
}

export interface EstimateInput {
  readonly family: TokenizerFamily;
  readonly prompt: PromptText;
  /** What the upstream reported before it stopped (Anthropic's input at message_start), or null. */
  readonly reported: TokenUsage | null;
  /** What a stream generated as far as it came; null for a non-streamed answer. */
  readonly generated: GeneratedText | null;
  /**
   * The least output to charge: a non-streamed answer that never arrived was generated all the same, up to the
   * call's output bound.
   */
  readonly outputFloor: number;
  /** Tokens of history stored at the provider that the request referred to, as the tenant bounds it: part of the input. */
  readonly historyTokens?: number;
}

/**
 * Usage of a call whose upstream did not report it all (the client left, the stream was cut, the upstream died):
 * input from the upstream's own figure where it gave one, else counted; output never below what the stream
 * carried, nor below `outputFloor`.
 */
export async function estimateUsage(count: TokenCounter, input: EstimateInput): Promise<TokenUsage> {
  const { reported, generated } = input;
  const reportedInput = reported !== null && reported.inputTokens > 0 ? reported.inputTokens : null;
  const prompt = tokenizedSample(input.prompt.text);
  const output = tokenizedSample(generated?.text ?? '');
  const [promptTokens = 0, outputTokens = 0] = await count(input.family, [reportedInput === null ? prompt.sample : '', output.sample]);
  const inputTokens =
    reportedInput ??
    Math.ceil(promptTokens * prompt.scale) + input.prompt.messages * MESSAGE_OVERHEAD_TOKENS + input.prompt.mediaParts * MEDIA_PART_TOKENS + (input.historyTokens ?? 0);
  // The kept part of a stream stands for all of it: a stream longer than what was kept is counted at its rate.
  const streamScale = generated !== null && generated.keptBytes > 0 ? generated.totalBytes / generated.keptBytes : 1;
  const generatedTokens = Math.ceil(outputTokens * output.scale * streamScale);
  return {
    inputTokens,
    outputTokens: Math.max(generatedTokens, reported?.outputTokens ?? 0, input.outputFloor),
    cachedTokens: Math.min(reported?.cachedTokens ?? 0, inputTokens),
  };
}
