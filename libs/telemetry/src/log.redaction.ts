/**
 * Redaction applied to everything that leaves a process as text (log lines, span events).
 * It is a safety net, not a licence: code must still never hand a secret to a logger.
 */
export const REDACTED = '[REDACTED]';

const SENSITIVE_KEY = /(authorization|api[-_]?key|secret|password|token|cookie|^value$|^key$|plaintext|private)/i;

/**
 * Names that merely refer to a secret (`secretId`, `apiKeyHint`, `outputTokens`) carry no secret material;
 * redacting them would blind every log about credentials and usage. Their values still go through the
 * string patterns below, so a real key stored under such a name is caught anyway.
 */
const REFERENCE_KEY =
  /(?:[a-z0-9](?:Id|Ids|Count|Tokens|Version|Fingerprint|Hint)|_(?:id|ids|count|tokens|version|fingerprint|hint))$/;

const MAX_DEPTH = 8;

/** Patterns whose whole match is replaced. Order matters: specific shapes before generic blobs. */
const CREDENTIAL_PATTERNS: readonly RegExp[] = [
  /\b(?:bearer|basic)\s+[A-Za-z0-9._~+/=-]+/gi,
  /\bsk-[A-Za-z0-9_-]{8,}/g,
  /\bsbk_[A-Za-z0-9_-]{8,}/g,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g,
];

/** Candidate blobs: runs of base64/base64url/hex characters at least 32 long. */
const BLOB = /[A-Za-z0-9+/=_-]{32,}/g;
const HEX = /^[0-9a-fA-F]+$/;

/** URL userinfo passwords (`postgres://user:pw@host`) are replaced, the rest of the URL is kept. */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi;

/**
 * A run of ≥ 32 characters is treated as a secret when it is pure hex, or mixes upper case, lower case and
 * digits as random base64 does. Lower-case identifiers such as `provider_registered_projection_v2` pass.
 */
function looksLikeSecretBlob(run: string): boolean {
  const body = run.replace(/=+$/, '');
  if (body.length < 32) return false;
  if (HEX.test(body)) return true;
  return /[A-Z]/.test(body) && /[a-z]/.test(body) && /[0-9]/.test(body);
}

export function redactString(input: string): string {
  let out = input.replace(URL_PASSWORD, `$1${REDACTED}@`);
  for (const pattern of CREDENTIAL_PATTERNS) out = out.replace(pattern, REDACTED);
  return out.replace(BLOB, (run) => (looksLikeSecretBlob(run) ? REDACTED : run));
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
