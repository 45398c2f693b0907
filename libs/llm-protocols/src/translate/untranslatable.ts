import { isJsonObject } from '../json.guards.js';
import type { JsonObject } from '../protocol.types.js';
import type { Translated } from './translate.types.js';

/**
 * A field the other dialect cannot carry. Thrown deep inside a translation and caught once at its entry, so the
 * translators read as straight-line mappings; it never leaves this folder (callers get a `Translated`).
 */
export class Untranslatable extends Error {
  readonly code = 'untranslatable';

  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'Untranslatable';
  }
}

export function refuse(field: string, message: string): never {
  throw new Untranslatable(field, message);
}

export function attempt<T>(translate: () => T): Translated<T> {
  try {
    return { ok: true, value: translate() };
  } catch (error) {
    if (error instanceof Untranslatable) return { ok: false, field: error.field, message: error.message };
    throw error;
  }
}

/** A JSON path for messages: `messages[2].content[0].image_url`. */
export function pathOf(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

export function objectField(value: unknown, field: string): JsonObject {
  return isJsonObject(value) ? value : refuse(field, 'must be an object');
}

export function arrayField(value: unknown, field: string): readonly unknown[] {
  return Array.isArray(value) ? value : refuse(field, 'must be an array');
}

export function stringField(value: unknown, field: string): string {
  return typeof value === 'string' ? value : refuse(field, 'must be a string');
}

export function optionalString(value: unknown, field: string): string | undefined {
  return value === undefined || value === null ? undefined : stringField(value, field);
}

export function optionalNumber(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'number' && Number.isFinite(value) ? value : refuse(field, 'must be a number');
}

/** Tool arguments as a JSON object: what Anthropic's `tool_use.input` must be. An empty string means no arguments. */
export function parseArguments(text: unknown, field: string): JsonObject {
  const raw = stringField(text, field);
  if (raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return refuse(field, 'must be a JSON object (tool call arguments)');
  }
  return isJsonObject(parsed) ? parsed : refuse(field, 'must be a JSON object (tool call arguments)');
}
