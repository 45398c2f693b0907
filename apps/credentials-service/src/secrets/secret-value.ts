import { z } from 'zod';
import { appError, fail, ok, type AppError, type Result, type SecretKind } from '@switchboard/contracts';
import { hintOf } from '@switchboard/kms';

const MAX_VALUE_CHARS = 16_384;
const MAX_HEADERS = 32;
const MAX_HEADER_VALUE_CHARS = 8_192;
/** RFC 9110 token characters. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,256}$/;
/** Headers the HTTP client sets itself or that act on the connection: a stored value must never override them. */
const REFUSED_HEADERS = new Set(['host', 'content-length', 'connection', 'transfer-encoding', 'keep-alive', 'upgrade', 'te', 'trailer', 'proxy-connection']);
// Control characters would let a stored value split or smuggle headers on the way upstream (tab is legal in a field value).
const CONTROL = /\p{Cc}/u;
const CONTROL_BUT_TAB = /[^\P{Cc}\t]/u;

/** A secret value as validated for storage: its bytes (the caller zeroes them) and its display hint. */
export interface SecretValue {
  readonly plaintext: Buffer;
  readonly hint: string;
}

/** What the gateway seals: `{value}`, a string for api_key; for headers an object (or that object as a JSON string). */
const TransportPayload = z.strictObject({ value: z.union([z.string(), z.record(z.string(), z.string())]) });

const invalid = (message: string): Result<never, AppError> => fail(appError('validation_failed', message));

/**
 * Parses the opened transport payload into the bytes to encrypt. api_key: the string itself (UTF-8).
 * headers: the JSON object of header name → value, re-serialised, so what is stored is always valid JSON.
 * Messages never quote the value.
 */
export function parseSecretValue(kind: SecretKind, opened: Buffer): Result<SecretValue> {
  let payload: unknown;
  try {
    payload = JSON.parse(opened.toString('utf8'));
  } catch {
    return invalid('sealedValue does not hold a JSON object');
  }
  const parsed = TransportPayload.safeParse(payload);
  if (!parsed.success) return invalid('sealedValue must hold {"value": ...}');
  const { value } = parsed.data;
  return kind === 'api_key' ? apiKeyValue(value) : headersValue(value);
}

function apiKeyValue(value: string | Record<string, string>): Result<SecretValue> {
  if (typeof value !== 'string') return invalid('value: must be a string for kind api_key');
  if (value.length === 0) return invalid('value: must not be empty');
  if (value.length > MAX_VALUE_CHARS) return invalid(`value: must be at most ${MAX_VALUE_CHARS} characters`);
  if (CONTROL.test(value)) return invalid('value: must not contain control characters (a trailing newline, for instance)');
  return ok({ plaintext: Buffer.from(value, 'utf8'), hint: hintOf(value) });
}

function headersValue(value: string | Record<string, string>): Result<SecretValue> {
  let headers: unknown = value;
  if (typeof value === 'string') {
    try {
      headers = JSON.parse(value);
    } catch {
      return invalid('value: must be a JSON object of header name → value for kind headers');
    }
  }
  const checked = checkHeaders(headers);
  if (!checked.ok) return checked;
  const plaintext = Buffer.from(JSON.stringify(checked.value), 'utf8');
  if (plaintext.length > MAX_VALUE_CHARS) {
    plaintext.fill(0);
    return invalid(`value: headers must serialise to at most ${MAX_VALUE_CHARS} bytes`);
  }
  return ok({ plaintext, hint: `headers: ${Object.keys(checked.value).join(', ')}` });
}

function checkHeaders(headers: unknown): Result<Record<string, string>> {
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
    return invalid('value: must be a JSON object of header name → value for kind headers');
  }
  const entries = Object.entries(headers);
  if (entries.length === 0) return invalid('value: must name at least one header');
  if (entries.length > MAX_HEADERS) return invalid(`value: at most ${MAX_HEADERS} headers`);
  const seen = new Set<string>();
  const out: Record<string, string> = {};
  for (const [name, headerValue] of entries) {
    const lower = name.toLowerCase();
    if (!HEADER_NAME.test(name)) return invalid(`value: "${name.slice(0, 64)}" is not a valid header name`);
    if (REFUSED_HEADERS.has(lower)) return invalid(`value: header ${name} cannot be set`);
    if (seen.has(lower)) return invalid(`value: header ${name} is given twice`);
    seen.add(lower);
    if (typeof headerValue !== 'string' || headerValue.length === 0) return invalid(`value: header ${name} needs a non-empty string value`);
    if (headerValue.length > MAX_HEADER_VALUE_CHARS) return invalid(`value: header ${name} is longer than ${MAX_HEADER_VALUE_CHARS} characters`);
    if (CONTROL_BUT_TAB.test(headerValue)) return invalid(`value: header ${name} must not contain control characters`);
    out[name] = headerValue;
  }
  return ok(out);
}

/** A decrypted value in the shape credentials carry: `{apiKey}` or `{headers}`. */
export type SecretMaterial = { readonly apiKey: string } | { readonly headers: Readonly<Record<string, string>> };

/** Reads stored bytes back (they were validated on the way in); throws if they are not what the kind says. */
export function secretMaterialOf(kind: SecretKind, plaintext: Buffer): SecretMaterial {
  const text = plaintext.toString('utf8');
  if (kind === 'api_key') return { apiKey: text };
  const headers = z.record(z.string(), z.string()).parse(JSON.parse(text));
  return { headers };
}

/** What a reveal seals back: the value as it was given (a string, or the headers object). */
export function revealPayloadOf(material: SecretMaterial): { value: string | Readonly<Record<string, string>> } {
  return 'apiKey' in material ? { value: material.apiKey } : { value: material.headers };
}
