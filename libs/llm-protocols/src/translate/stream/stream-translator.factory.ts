import type { Direction } from '../translate.types.js';
import { anthropicToChatStream } from './anthropic-to-chat.stream.js';
import { anthropicToResponsesStream } from './anthropic-to-responses.stream.js';
import { chatToAnthropicStream } from './chat-to-anthropic.stream.js';
import { entryOf, type CountingStreamTranslator, type StreamTranslatorSettings } from './stream-events.js';

type Factory = (settings: StreamTranslatorSettings) => CountingStreamTranslator;

/** Upstream dialect → client dialect: the pairs `upstreamDialect` can produce. */
const TRANSLATORS: Readonly<Record<string, Factory>> = {
  'anthropic_messages>openai_chat': anthropicToChatStream,
  'openai_chat>anthropic_messages': chatToAnthropicStream,
  'anthropic_messages>openai_responses': anthropicToResponsesStream,
};

export class StreamTranslationError extends Error {
  readonly code = 'unsupported_stream_direction';

  constructor(readonly direction: Direction) {
    super(`No stream translation from ${direction.from} to ${direction.to}`);
    this.name = 'StreamTranslationError';
  }
}

/** A fresh translator for one stream; throws StreamTranslationError for a pair no gateway route needs. */
export function createStreamTranslator(direction: Direction, options: StreamTranslatorSettings): CountingStreamTranslator {
  const factory = entryOf(TRANSLATORS, `${direction.from}>${direction.to}`);
  if (factory === undefined) throw new StreamTranslationError(direction);
  return factory(options);
}

export function canTranslateStream(direction: Direction): boolean {
  return entryOf(TRANSLATORS, `${direction.from}>${direction.to}`) !== undefined;
}
