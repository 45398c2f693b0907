import type { JsonObject } from './protocol.types.js';

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function objectAt(value: unknown, key: string): JsonObject | undefined {
  if (!isJsonObject(value)) return undefined;
  const child = value[key];
  return isJsonObject(child) ? child : undefined;
}

/** A token count: a finite non-negative integer, else undefined (an upstream's garbage never becomes a count). */
export function countAt(value: JsonObject | undefined, key: string): number | undefined {
  const n = value?.[key];
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

export function stringAt(value: JsonObject | undefined, key: string): string | undefined {
  const s = value?.[key];
  return typeof s === 'string' ? s : undefined;
}

/** Drops undefined fields so partial usages merge field by field. */
export function definedOnly<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = v;
  return out as T;
}
