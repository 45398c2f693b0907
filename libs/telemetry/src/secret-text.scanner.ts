/**
 * Finds credential-shaped substrings in free text and replaces them with REDACTED, in time linear in the text:
 * log text can come from an upstream (error bodies, redirect locations), so a pattern that backtracks
 * super-linearly would let that upstream stall the process that logs it.
 *
 * Every pass below is either a regex whose attempts at different start positions never rescan the same
 * characters more than a constant number of times (the reason is given beside each), or a hand-written scan
 * where no regex had that property. Passes run in order, each over the previous one's output.
 */
export const REDACTED = '[REDACTED]';

/**
 * `Bearer <token>` / `Basic <token>`: an attempt starts only at one of the two words, and backtracking stays
 * inside the whitespace run right after it, which belongs to that word alone; a found token is consumed.
 */
const AUTH_HEADER_VALUE = /\b(?:bearer|basic)\s+[A-Za-z0-9._~+/=-]+/gi;

/** A failing attempt reads at most 8 characters past the prefix; a longer run is a match and is consumed. */
const PREFIXED_KEYS: readonly RegExp[] = [/\bsk-[A-Za-z0-9_-]{8,}/g, /\bsbk_[A-Za-z0-9_-]{8,}/g];

/**
 * Runs of base64/base64url/hex characters at least 32 long. The lookbehind lets an attempt start only where a
 * run starts, so each run is read once (without it, every run shorter than 32 is re-read from each position).
 */
const BLOB = /(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/=_-]{32,}/g;
const HEX = /^[0-9a-fA-F]+$/;
const UPPER = /[A-Z]/;
const LOWER = /[a-z]/;
const DIGIT = /[0-9]/;

/** Sticky, star-only runs: they match greedily from lastIndex and never backtrack. */
const URL_USER_RUN = /[^\s:/@]*/y;
const URL_PASSWORD_RUN = /[^\s@/]*/y;
const JWT_SEGMENT_RUN = /[A-Za-z0-9_-]*/y;

export function redactSecrets(text: string): string {
  let out = redactUrlPasswords(text);
  out = out.replace(AUTH_HEADER_VALUE, REDACTED);
  for (const pattern of PREFIXED_KEYS) out = out.replace(pattern, REDACTED);
  out = redactJwts(out);
  return out.replace(BLOB, (run) => (looksLikeSecretBlob(run) ? REDACTED : run));
}

/** Where the run matched by a sticky `[…]*` pattern from `from` ends (test, not exec: no match array). */
function runEnd(run: RegExp, text: string, from: number): number {
  run.lastIndex = from;
  run.test(text);
  return run.lastIndex;
}

/**
 * `scheme://user:password@` → `scheme://user:[REDACTED]@`, the rest of the URL kept; same matches as
 * /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi. Linear: the scheme, user and password runs all stop at
 * `/`, so the stretch between two `://` is read a constant number of times.
 */
function redactUrlPasswords(text: string): string {
  let out = '';
  let copied = 0;
  let from = 0;
  for (let sep = text.indexOf('://', from); sep !== -1; sep = text.indexOf('://', from)) {
    from = sep + 3;
    if (!hasSchemeBefore(text, sep)) continue;
    const userEnd = runEnd(URL_USER_RUN, text, sep + 3);
    if (userEnd === sep + 3 || text[userEnd] !== ':') continue;
    const passwordEnd = runEnd(URL_PASSWORD_RUN, text, userEnd + 1);
    if (passwordEnd === userEnd + 1 || text[passwordEnd] !== '@') continue;
    out += `${text.slice(copied, userEnd + 1)}${REDACTED}`;
    copied = passwordEnd;
    from = passwordEnd + 1;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** A scheme ends at `end`: within the run of [a-z0-9+.-] before it, a letter that starts a word (`\b[a-z]`). */
function hasSchemeBefore(text: string, end: number): boolean {
  for (let i = end - 1; i >= 0 && isSchemeChar(text.charCodeAt(i)); i--) {
    if (isLetter(text.charCodeAt(i)) && !isWordChar(text.charCodeAt(i - 1))) return true;
  }
  return false;
}

/**
 * `eyJ<header ≥ 8>.<payload ≥ 1>.<signature>` starting at a word boundary; same matches as
 * /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\/g. That regex is quadratic on `-eyJ-eyJ…` (`-` both
 * starts a word and continues the run); here every start inside one run shares that run's fate, so a failed
 * start skips the rest of its run, and each run is read at most three times (as header, payload, signature).
 */
function redactJwts(text: string): string {
  let out = '';
  let copied = 0;
  let from = 0;
  for (let at = text.indexOf('eyJ', from); at !== -1; at = text.indexOf('eyJ', from)) {
    if (isWordChar(text.charCodeAt(at - 1))) {
      from = at + 1;
      continue;
    }
    const headerEnd = runEnd(JWT_SEGMENT_RUN, text, at + 3);
    from = headerEnd;
    if (headerEnd - (at + 3) < 8 || text[headerEnd] !== '.') continue;
    const payloadEnd = runEnd(JWT_SEGMENT_RUN, text, headerEnd + 1);
    if (payloadEnd === headerEnd + 1 || text[payloadEnd] !== '.') continue;
    const signatureEnd = runEnd(JWT_SEGMENT_RUN, text, payloadEnd + 1);
    out += `${text.slice(copied, at)}${REDACTED}`;
    copied = signatureEnd;
    from = signatureEnd;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/**
 * A run of ≥ 32 characters is treated as a secret when it is pure hex, or mixes upper case, lower case and
 * digits as random base64 does. Lower-case identifiers such as `provider_registered_projection_v2` pass.
 */
function looksLikeSecretBlob(run: string): boolean {
  // Trailing padding stripped by hand: /=+$/ is quadratic on a run of `=` followed by anything else.
  let end = run.length;
  while (end > 0 && run.charCodeAt(end - 1) === 0x3d) end--;
  if (end < 32) return false;
  const body = run.slice(0, end);
  if (HEX.test(body)) return true;
  return UPPER.test(body) && LOWER.test(body) && DIGIT.test(body);
}

// Character classes by code unit, ASCII only as in non-unicode regexes; NaN (outside the text) is in none.
function isLetter(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a);
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** \w */
function isWordChar(code: number): boolean {
  return isLetter(code) || isDigit(code) || code === 0x5f;
}

/** [a-z0-9+.-] case-insensitively */
function isSchemeChar(code: number): boolean {
  return isLetter(code) || isDigit(code) || code === 0x2b || code === 0x2e || code === 0x2d;
}
