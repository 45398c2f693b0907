import { REDACTED, redactSecrets } from './secret-text.scanner.js';

/**
 * The regexes the scanner replaced, kept as the definition of what must be redacted. They backtrack
 * quadratically on hostile input, so they only ever see the short strings below.
 */
function redactWithOriginalPatterns(input: string): string {
  let out = input.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi, `$1${REDACTED}@`);
  for (const pattern of [
    /\b(?:bearer|basic)\s+[A-Za-z0-9._~+/=-]+/gi,
    /\bsk-[A-Za-z0-9_-]{8,}/g,
    /\bsbk_[A-Za-z0-9_-]{8,}/g,
    /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g,
  ]) {
    out = out.replace(pattern, REDACTED);
  }
  return out.replace(/[A-Za-z0-9+/=_-]{32,}/g, (run) => {
    const body = run.replace(/=+$/, '');
    if (body.length < 32) return run;
    if (/^[0-9a-fA-F]+$/.test(body)) return REDACTED;
    return /[A-Z]/.test(body) && /[a-z]/.test(body) && /[0-9]/.test(body) ? REDACTED : run;
  });
}

// Pieces that start, continue or break every shape the scanner looks for, so random joins hit the edges.
const PIECES = [
  'a', 'Z', '7', '_', '-', '.', ':', '/', '@', ' ', '\t', '=', '+', '~', '%', 'é',
  '://', 'eyJ', 'sk-', 'sbk_', 'Bearer ', 'basic\n', 'abcdefgh', 'Ab3Cd4Ef5Gh6Ij7K', '0123456789abcdef', 'x_',
  'eyJhbGciOiJI', 'ey', 'J', '.p.', 'h://u:', 'pw@',
];

/** Deterministic, so a failure names a case that can be replayed. */
function pseudoRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

describe('redactSecrets', () => {
  it('redacts exactly what the original patterns redacted, on thousands of random joins of tricky pieces', () => {
    const random = pseudoRandom(20240611);
    for (let n = 0; n < 5000; n++) {
      const length = 1 + Math.floor(random() * 30);
      let input = '';
      for (let i = 0; i < length; i++) input += PIECES[Math.floor(random() * PIECES.length)];
      expect({ input, out: redactSecrets(input) }).toEqual({ input, out: redactWithOriginalPatterns(input) });
    }
  });

  it.each([
    ['a URL password, keeping the rest of the URL', 'see postgres://app:s3cr3t@db:5432/sb now', `see postgres://app:${REDACTED}@db:5432/sb now`],
    ['every URL password in the text', 'a+b://u:p@h x-y://v:w:x@h', `a+b://u:${REDACTED}@h x-y://v:${REDACTED}@h`],
    ['a URL password after a failed candidate', 'a://b://c:d@e', `a://b://c:${REDACTED}@e`],
    ['a URL whose scheme starts a word only before a +', 'x+1://u:p@h', `x+1://u:${REDACTED}@h`],
    ['no URL without a scheme that starts a word', 'x_a://u:p@h 1://u:p@h', 'x_a://u:p@h 1://u:p@h'],
    ['a JWT after a word boundary inside a dashed run', 'id-eyJhbGciOiJI.eyJzdWIi.sig end', `id-${REDACTED} end`],
    ['no JWT with a short header or without a payload', 'eyJabcdefg.x.y eyJabcdefgh.', 'eyJabcdefg.x.y eyJabcdefgh.'],
    ['a JWT with an empty signature', 'eyJabcdefgh.p.', REDACTED],
    ['no JWT glued to a word', 'xeyJabcdefgh.p.s', 'xeyJabcdefgh.p.s'],
    ['a padded blob', `${'q8Zr2LmXw0PfT7vYc1NbK4sHj9DgE6uA'}==`, REDACTED],
    ['no blob that is padding only past 31 characters', `${'a1B'.repeat(10)}a${'='.repeat(40)}`, `${'a1B'.repeat(10)}a${'='.repeat(40)}`],
  ])('redacts %s', (_name, input, expected) => {
    expect(redactSecrets(input)).toBe(expected);
    expect(redactWithOriginalPatterns(input)).toBe(expected);
  });
});
