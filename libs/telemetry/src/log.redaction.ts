/**
 * Redaction applied to everything that leaves a process as text (log lines, span events).
 * It is a safety net, not a licence: code must still never hand a secret to a logger.
 */
import { REDACTED, redactSecrets } from './secret-text.scanner.js';

export { REDACTED };

const SENSITIVE_KEY = /(authorization|api[-_]?key|secret|password|token|cookie|^value$|^key$|plaintext|private)/i;

/**
 * Names that merely refer to a secret (`secretId`, `apiKeyHint`, `outputTokens`) carry no secret material;
 * redacting them would blind every log about credentials and usage. Their values still go through the
 * string patterns (secret-text.scanner.ts), so a real key stored under such a name is caught anyway.
 */
const REFERENCE_KEY =
  /(?:[a-z0-9](?:Id|Ids|Count|Tokens|Version|Fingerprint|Hint)|_(?:id|ids|count|tokens|version|fingerprint|hint))$/;

const MAX_DEPTH = 8;

/**
 * Longest string (in UTF-16 units, as String#length counts) that is logged whole: 8 KiB is pages of text, more
 * than any message, value or stack worth reading in a log line, and it bounds both the redaction work and the
 * line size whatever an upstream sends. A longer string keeps its head and says how much was cut.
 */
export const MAX_LOGGED_STRING = 8 * 1024;

/**
 * Characters a secret shape can be made of: the token characters of bearer tokens, keys, JWTs and blobs plus
 * what RFC 3986 allows unencoded in URL userinfo. A cut inside a run of them (or just before the `@` that ends
 * a URL password) could leave the head of a secret too short for its pattern, so the cut moves back to the
 * run's start: the head may lose a word, never show part of a secret.
 */
const SECRET_CHAR = /[A-Za-z0-9._~%!$&'()*+,;=:/-]/;

/** Cuts the string to MAX_LOGGED_STRING, then redacts it (in time linear in what is kept). */
export function redactString(input: string): string {
  if (input.length <= MAX_LOGGED_STRING) return redactSecrets(input);
  const head = input.slice(0, headLength(input));
  return `${redactSecrets(head)}…[${input.length - head.length} of ${input.length} characters cut]`;
}

function headLength(input: string): number {
  let end = MAX_LOGGED_STRING;
  const next = input.charAt(end);
  if (next === '@' || SECRET_CHAR.test(next)) {
    while (end > 0 && SECRET_CHAR.test(input.charAt(end - 1))) end--;
  }
  // Never split a surrogate pair: half a character would be written as a lone escape.
  const last = input.charCodeAt(end - 1);
  return last >= 0xd800 && last <= 0xdbff ? end - 1 : end;
}

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key) && !REFERENCE_KEY.test(key);
}

/**
 * Returns a JSON-safe copy: sensitive keys → "[REDACTED]", credential-looking substrings → "[REDACTED]",
 * Errors → {name, message, stack, code?, cause?}, binary → a size note (bytes may be key material),
 * cycles and excessive depth cut off.
 */
export function redact(value: unknown): unknown {
  return redactValue(value, 0, new WeakSet<object>());
}

function redactValue(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  switch (typeof value) {
    case 'string':
      return redactString(value);
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'object':
      return value === null ? null : redactObject(value, depth, seen);
  }
}

function redactObject(value: object, depth: number, seen: WeakSet<object>): unknown {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `[binary ${value.byteLength} bytes]`;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Truncated]';
  seen.add(value);
  try {
    if (value instanceof Error) return redactError(value, depth, seen);
    if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1, seen) ?? null);
    if (value instanceof Map) return redactEntries([...value.entries()].map(([k, v]) => [String(k), v]), depth, seen);
    if (value instanceof Set) return [...value].map((item) => redactValue(item, depth + 1, seen) ?? null);
    return redactEntries(Object.entries(value), depth, seen);
  } finally {
    seen.delete(value);
  }
}

function redactEntries(
  entries: readonly (readonly [string, unknown])[],
  depth: number,
  seen: WeakSet<object>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of entries) {
    if (isSensitiveKey(key)) {
      if (item !== undefined) out[key] = REDACTED;
      continue;
    }
    const redacted = redactValue(item, depth + 1, seen);
    if (redacted !== undefined) out[key] = redacted;
  }
  return out;
}

function redactError(error: Error, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  const out: Record<string, unknown> = { name: error.name, message: redactString(error.message) };
  if (error.stack) out['stack'] = redactString(error.stack);
  // Driver errors (pg, nats) keep their diagnosis in extra own properties such as `code` and `detail`.
  const extra = Object.entries(error).filter(([key]) => key !== 'cause');
  Object.assign(out, redactEntries(extra, depth, seen));
  if (error.cause !== undefined) out['cause'] = redactValue(error.cause, depth + 1, seen);
  return out;
}
