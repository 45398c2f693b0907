import type { ClientProtocol, TokenUsage } from './protocol.types.js';
import { usageFromResponse } from './usage.extractor.js';

const USAGE_KEY = '"usage"';
/** A usage object is a few hundred bytes; anything longer after the key is not one. */
const MAX_USAGE_OBJECT_CHARS = 4096;

/**
 * Usage of a non-streamed answer too large to parse whole, from its first and last bytes: both families put the
 * top-level `usage` object either near the end (OpenAI, Anthropic) or near the start (some self-hosted servers).
 * The tail is searched from its end first, since a nested `usage` key (inside a tool's input) comes before the
 * top-level one; a key inside a string cannot match, as its quotes would be escaped there.
 */
export function usageFromFragments(protocol: ClientProtocol, head: string, tail: string): TokenUsage | null {
  return usageIn(protocol, tail, 'last') ?? usageIn(protocol, head, 'first');
}

function usageIn(protocol: ClientProtocol, text: string, from: 'first' | 'last'): TokenUsage | null {
  let at = from === 'last' ? text.lastIndexOf(USAGE_KEY) : text.indexOf(USAGE_KEY);
  while (at !== -1) {
    const object = objectAfterKey(text, at + USAGE_KEY.length);
    if (object !== null) {
      try {
        const usage = usageFromResponse(protocol, { usage: JSON.parse(object) as unknown });
        if (usage !== null) return usage;
      } catch {
        // Not JSON after all: try the next occurrence.
      }
    }
    // lastIndexOf takes a negative start as 0, so the search from the end stops at the start of the text.
    if (from === 'last' && at === 0) break;
    at = from === 'last' ? text.lastIndexOf(USAGE_KEY, at - 1) : text.indexOf(USAGE_KEY, at + 1);
  }
  return null;
}

/** The `{…}` that follows `"key"` and its colon, balanced over strings and escapes; null when there is none. */
function objectAfterKey(text: string, from: number): string | null {
  let i = from;
  while (i < text.length && /\s/.test(text[i] ?? '')) i++;
  if (text[i] !== ':') return null;
  i++;
  while (i < text.length && /\s/.test(text[i] ?? '')) i++;
  if (text[i] !== '{') return null;
  const start = i;
  let depth = 0;
  let inString = false;
  for (; i < text.length && i - start < MAX_USAGE_OBJECT_CHARS; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return text.slice(start, i + 1);
  }
  return null;
}
