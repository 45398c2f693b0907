import { isJsonObject } from './json.guards.js';

/** Model names are short; anything longer is not taken for one (it would only bloat a span). */
const MAX_MODEL_NAME = 256;

const modelName = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 && value.length <= MAX_MODEL_NAME ? value : null);

/**
 * The model an upstream says generated its answer, from a whole answer or one stream event: `model` at the top
 * (chat completions, their chunks, a whole message or response), under `response` (Responses stream events) or
 * under `message` (Anthropic's `message_start`). Null when the body names none.
 */
export function responseModelOf(json: unknown): string | null {
  if (!isJsonObject(json)) return null;
  const top = modelName(json['model']);
  if (top !== null) return top;
  for (const key of ['response', 'message'] as const) {
    const inner = json[key];
    if (isJsonObject(inner)) {
      const named = modelName(inner['model']);
      if (named !== null) return named;
    }
  }
  return null;
}
