export { createStreamTranslator, canTranslateStream, StreamTranslationError } from './stream-translator.factory.js';
export { KEPT_ANSWER_CHARS } from './responses-output.js';
export type { CountingStreamTranslator, StreamTranslatorSettings } from './stream-events.js';
