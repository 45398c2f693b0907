import type { JsonObject } from '../../protocol.types.js';
import { refuse } from '../untranslatable.js';

/**
 * What a translator does with one top-level request field. `mapped`: the pair's translator carries it. `dropped`:
 * it means nothing upstream and leaving it out changes no answer. `refused`: it would change the answer and cannot
 * be carried, so the client gets a 400 naming it, unless its value is the default (`harmless`). A field missing
 * from a table is refused: a field the gateway does not know is never silently lost.
 */
export type FieldRule =
  | { readonly kind: 'mapped' }
  | { readonly kind: 'dropped'; readonly why: string }
  | { readonly kind: 'refused'; readonly why: string; readonly harmless?: (value: unknown) => boolean };

export type FieldTable = Readonly<Record<string, FieldRule>>;

export const MAPPED: FieldRule = { kind: 'mapped' };
export const dropped = (why: string): FieldRule => ({ kind: 'dropped', why });
export const refused = (why: string, harmless?: (value: unknown) => boolean): FieldRule => ({ kind: 'refused', why, ...(harmless ? { harmless } : {}) });

export const isFalse = (value: unknown): boolean => value === false;
export const isZero = (value: unknown): boolean => value === 0;
export const isEmptyObject = (value: unknown): boolean => typeof value === 'object' && value !== null && Object.keys(value).length === 0;
export const hasType =
  (...types: string[]) =>
  (value: unknown): boolean =>
    typeof value === 'object' && value !== null && types.includes(String((value as Record<string, unknown>)['type']));

/** Refuses the first field the table refuses; null counts as absent, as both APIs treat it. */
export function checkFields(body: JsonObject, table: FieldTable, target: string): void {
  for (const [field, value] of Object.entries(body)) {
    if (value === null || value === undefined) continue;
    const rule = table[field];
    if (rule === undefined) refuse(field, `is not translated to ${target}`);
    if (rule.kind === 'refused' && !(rule.harmless?.(value) ?? false)) refuse(field, `cannot be translated to ${target}: ${rule.why}`);
  }
}
