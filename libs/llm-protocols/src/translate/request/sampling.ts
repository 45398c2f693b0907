import type { JsonObject } from '../../protocol.types.js';
import { arrayField, optionalNumber, optionalString, pathOf, refuse, stringField } from '../untranslatable.js';

export interface TranslateRequestOptions {
  /** Anthropic requires `max_tokens`: the bound used when an OpenAI client set none. */
  readonly defaultMaxTokens?: number;
}

/** Used when the caller passes no default: a bound every current Anthropic model accepts. */
export const DEFAULT_ANTHROPIC_MAX_TOKENS = 4096;

/** The first output bound the client set among `fields` (the protocol's precedence order), else the default. */
export function maxTokensOf(body: JsonObject, fields: readonly string[], options: TranslateRequestOptions): number {
  for (const field of fields) {
    const value = body[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) refuse(field, 'must be a positive integer');
    return value;
  }
  return options.defaultMaxTokens ?? DEFAULT_ANTHROPIC_MAX_TOKENS;
}

/**
 * OpenAI samples at temperature 0–2, Anthropic at 0–1. Above 1 there is no faithful mapping: the call is refused
 * naming the field rather than clamped, so a client never gets answers sampled other than it asked for.
 */
export function anthropicTemperature(value: unknown): number | undefined {
  const temperature = optionalNumber(value, 'temperature');
  if (temperature === undefined) return undefined;
  if (temperature < 0 || temperature > 1) refuse('temperature', `Anthropic accepts 0 to 1, got ${temperature}`);
  return temperature;
}

/** OpenAI `stop`, a string or up to 4 strings → Anthropic `stop_sequences`. */
export function stopSequencesOf(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return [value];
  return arrayField(value, 'stop').map((entry, index) => stringField(entry, pathOf('stop', index)));
}

/** OpenAI `user` (or its successor `safety_identifier`) → Anthropic `metadata.user_id`, an opaque end-user id. */
export function anthropicMetadataOf(body: JsonObject): JsonObject | undefined {
  const user = optionalString(body['user'], 'user') ?? optionalString(body['safety_identifier'], 'safety_identifier');
  return user === undefined ? undefined : { user_id: user };
}

export function optionalBoolean(value: unknown, field: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'boolean' ? value : refuse(field, 'must be a boolean');
}

/** Drops undefined entries, so a translated body carries only the fields the client set. */
export function compact(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}
