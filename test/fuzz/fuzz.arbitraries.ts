import fc from 'fast-check';

type Json = Record<string, unknown>;

/** Printable ASCII: what any HTTP client can put in a header. */
export const asciiString = (maxLength = 60, minLength = 0): fc.Arbitrary<string> =>
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength, maxLength });

const ID_ALPHABET = [...'0123456789abcdefghjkmnpqrstvwxyz'];
const PREFIXES = ['ten', 'key', 'prv', 'mdl', 'agt', 'sec', 'rcp', 'stt', 'evt', 'req', 'alr'];

/** An id of the right shape that names nothing (100 random bits: it never names anything). */
export const unknownId = (prefix: string): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...ID_ALPHABET), minLength: 20, maxLength: 20 }).map((s) => `${prefix}_${s}`);

function nest(depth: number, asArray: boolean): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = asArray ? [value] : { a: value };
  return value;
}

export const deepValue: fc.Arbitrary<unknown> = fc.tuple(fc.integer({ min: 20, max: 2000 }), fc.boolean()).map(([d, a]) => nest(d, a));

/** Strings a schema should refuse somewhere: huge, control characters, lone whitespace, odd unicode. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 101, max: 20_000 }).map((n) => 'x'.repeat(n)),
  fc.integer({ min: 200_000, max: 600_000 }).map((n) => 'é'.repeat(n)),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ maxLength: 20 }).map((s) => `${s}\u0000\u0007\r\n`),
  fc.constantFrom('', '   ', '\t', '\u200b', '\u202e', '😀'.repeat(60), 'null', 'true', '[]', '{}', '-1', 'NaN', '__proto__', 'constructor'),
);

/** Any value a field may be given in place of its own: wrong types, nasty strings, bad numbers, deep nesting. */
export const badValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.integer({ min: -1_000_000_000, max: -1 }),
  fc.constantFrom(-0.5, 0.5, 1e308, -1e308, 2 ** 53 + 2, 0, -0, 1e-300),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
  nastyString,
  deepValue,
);

export type Mutation = { readonly kind: 'set'; readonly field: string; readonly value: unknown } | { readonly kind: 'drop'; readonly field: string } | { readonly kind: 'wrap' };

/** A valid body with exactly one thing changed: one field set to a bad value, one dropped, an extra one, or the body wrapped. */
export function mutatedBody(valid: Json, fields: readonly string[]): fc.Arbitrary<unknown> {
  const known = [...new Set([...Object.keys(valid), ...fields])];
  const field = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 12 }) });
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    { weight: 8, arbitrary: fc.record({ kind: fc.constant('set' as const), field, value: badValue }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('drop' as const), field: fc.constantFrom(...known) }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'wrap' as const }) },
  );
  return mutation.map((m) => {
    if (m.kind === 'wrap') return [valid];
    const body: Json = { ...valid };
    if (m.kind === 'drop') delete body[m.field];
    else Object.defineProperty(body, m.field, { value: m.value, enumerable: true, writable: true, configurable: true });
    return body;
  });
}

/** Text a JSON parser must refuse. */
export const malformedJson = (valid: unknown): fc.Arbitrary<string> => {
  const text = JSON.stringify(valid);
  return fc.oneof(
    fc.integer({ min: 1, max: Math.max(1, text.length - 1) }).map((n) => text.slice(0, n)),
    fc.constantFrom('{', '}', '{"a":', '[1,', 'nul', '{"a" 1}', "{'a': 1}", '{"a":1,}', '\u0000', '\uFEFF{', 'NaN', '{"a":undefined}'),
    fc.string({ minLength: 1, maxLength: 40 }).map((s) => `{${s}`),
  );
};

/** Content types a JSON route must not take as JSON. */
export const foreignContentType: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    'text/plain',
    'text/html',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=zz',
    'application/xml',
    'application/octet-stream',
    'text/json',
    'application/jsonp',
    'json',
    'application',
    '*/*',
  ),
  fc
    .tuple(fc.stringMatching(/^[a-z]{1,10}$/), fc.stringMatching(/^[a-z0-9.+-]{1,12}$/))
    .filter(([t, s]) => t !== 'application' || !s.startsWith('json'))
    .map(([t, s]) => `${t}/${s}`),
);

/** A path segment that names nothing: random text, wrong kinds, percent garbage, real ids damaged by one character. */
export function bogusPathId(prefix: string, realIds: readonly string[]): fc.Arbitrary<string> {
  const damaged = fc.tuple(fc.constantFrom(...realIds), fc.nat(), fc.constantFrom('upper', 'drop', 'swap', 'append'), fc.constantFrom(...'0a_-.~!zZ9é%'))
    .map(([id, i, how, c]) => {
      const at = i % id.length;
      if (how === 'upper') return id.toUpperCase();
      if (how === 'drop') return id.slice(0, at) + id.slice(at + 1);
      if (how === 'swap') return id.slice(0, at) + (id[at] === '0' ? '1' : '0') + id.slice(at + 1);
      return id + c;
    })
    .map(encodeURIComponent);
  const raw = fc.oneof(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).map(encodeURIComponent),
    fc.constantFrom(...PREFIXES).chain(unknownId),
    unknownId(prefix),
    damaged,
    fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 12 }).map((bytes) => bytes.map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join('')),
    fc.integer({ min: 65, max: 6000 }).map((n) => 'a'.repeat(n)),
    fc.constantFrom('%2e%2e', '%2F', '%00', '%', '%zz', 'null', 'undefined', '0', '-1', '%20', '*', '%2A', ';', ':', 'models'),
  );
  return raw.filter((s) => {
    let decoded = s;
    try {
      decoded = decodeURIComponent(s);
    } catch {
      // percent garbage stays as it is
    }
    return s.length > 0 && !realIds.includes(decoded) && !realIds.includes(s);
  });
}

const cursorOf = (...key: unknown[]) => Buffer.from(JSON.stringify(key)).toString('base64url');

/**
 * Page cursors no list gave out: well-formed base64url that decodes to nothing, positions of every list with
 * impossible keys, and a real-looking cursor of each list (valid where the list is another one).
 */
export const foreignCursor: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_-]{1,60}$/),
  fc.constantFrom('keys', 'providers', 'models', 'agents', 'secrets', 'recipients', 'alerts', 'history').chain((list) =>
    fc.constantFrom(
      cursorOf(list, '2025-01-01T00:00:00.000000Z', 'prv_00000000000000000000'),
      cursorOf(list, '2025-02-30T00:00:00.000000Z', 'prv_00000000000000000000'),
      cursorOf(list, '0000-01-01T00:00:00.000000Z', 'x'),
      cursorOf(list, "2025-01-01T00:00:00.000000Z' OR '1'='1", 'x'),
      cursorOf(list, 1e308),
      cursorOf(list, -1),
      cursorOf(list),
      cursorOf(list, 2 ** 31),
    ),
  ),
  fc.jsonValue({ maxDepth: 2 }).map((v) => cursorOf(v)),
);

/** Query strings: known parameters with random values, unknown ones, repeats, broken percent escapes. */
export function randomQuery(knownKeys: readonly string[]): fc.Arbitrary<string> {
  const key = knownKeys.length > 0 ? fc.oneof(fc.constantFrom(...knownKeys), fc.string({ maxLength: 10 })) : fc.string({ maxLength: 10 });
  const value = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 30 }),
    fc.constantFrom('', '2024-13-45', '2024-02-30', '0000-01-01', '9999-12-31', '2024-01-01T00:00:00Z', '-1', '0', '1e999', '500', '501', '1000', '1001', '1.5', '0x10', ' 5', 'day', 'model', 'agent', 'provider', 'error_rate', 'x'.repeat(3000)),
    fc.integer().map(String),
    foreignCursor,
  );
  const pairs = fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 5 }).map((ps) => ps.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'));
  return fc.oneof({ weight: 5, arbitrary: pairs }, { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '&&&', '==', '=&=', 'a[b]=1', 'a[]=1&a[]=2', '__proto__[x]=1', 'constructor[prototype][x]=1') });
}

const ENTITY_TAG = /^(?:W\/)?"(\d{1,15})"$/;

/** If-Match values that do not name the current version: malformed, stale, from the future, several at once. */
export function badIfMatch(currentVersion: number): fc.Arbitrary<string> {
  return fc
    .oneof(
      asciiString(40),
      fc.integer({ min: 0, max: 1_000_000 }).map((n) => `"${n}"`),
      fc.integer({ min: 0, max: 1_000_000 }).map((n) => `W/"${n}"`),
      fc.integer({ min: 0, max: 1_000_000 }).map(String),
      fc.tuple(fc.nat(), fc.nat()).map(([x, y]) => `"${x}", "${y}"`),
      fc.constantFrom('"-1"', '"1.5"', '"1e3"', '"9999999999999999999"', '""', '"', 'W/', 'W/""', '" 1"', '"0x1"', '**'),
    )
    .filter((h) => {
      const value = h.trim();
      const tag = ENTITY_TAG.exec(value);
      return value !== '*' && !(tag && Number(tag[1]) === currentVersion);
    });
}

/** Authorization headers that carry no valid key. */
export function badAuthorization(realKeys: readonly string[]): fc.Arbitrary<string> {
  const damagedKey = fc.tuple(fc.constantFrom(...realKeys), fc.nat()).map(([k, i]) => {
    const at = 4 + (i % (k.length - 4));
    return `Bearer ${k.slice(0, at)}${k[at] === 'A' ? 'B' : 'A'}${k.slice(at + 1)}`;
  });
  return fc.oneof(
    asciiString(80).map((s) => `Bearer ${s}`),
    asciiString(60).map((s) => `Bearer sbk_${s}`),
    asciiString(60),
    asciiString(40).map((s) => `Basic ${Buffer.from(s).toString('base64')}`),
    fc.constantFrom('Bearer', 'Bearer ', 'bearer', 'Token abc', 'Bearer sbk_', 'Bearer  sbk_x', ''),
    damagedKey,
    fc.constantFrom(...realKeys).map((k) => `Bearer ${k.slice(0, -1)}`),
  );
}
