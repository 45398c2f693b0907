import { parseSecretValue, revealPayloadOf, secretMaterialOf } from './secret-value.js';

const opened = (payload: unknown): Buffer => Buffer.from(JSON.stringify(payload), 'utf8');
const errorOf = (result: ReturnType<typeof parseSecretValue>): string => (result.ok ? 'ok' : `${result.error.code}: ${result.error.message}`);

describe('parseSecretValue', () => {
  it('stores an api key as its UTF-8 bytes with a masked hint', () => {
    const parsed = parseSecretValue('api_key', opened({ value: 'sk-live-0123456789abcdefF9Qa' }));
    expect(parsed.ok && parsed.value.plaintext.toString('utf8')).toBe('sk-live-0123456789abcdefF9Qa');
    expect(parsed.ok && parsed.value.hint).toBe('sk-…F9Qa');
  });

  it('stores headers as a JSON object and hints only their names', () => {
    const parsed = parseSecretValue('headers', opened({ value: { 'X-Api-Key': 'k-123456789', 'X-Org': 'org-1' } }));
    expect(parsed.ok && JSON.parse(parsed.value.plaintext.toString('utf8'))).toEqual({ 'X-Api-Key': 'k-123456789', 'X-Org': 'org-1' });
    expect(parsed.ok && parsed.value.hint).toBe('headers: X-Api-Key, X-Org');
  });

  it('accepts headers given as a JSON string (the REST body carries a string value)', () => {
    const parsed = parseSecretValue('headers', opened({ value: '{"X-Api-Key":"k-1"}' }));
    expect(parsed.ok && parsed.value.hint).toBe('headers: X-Api-Key');
  });

  it.each([
    ['not JSON', 'api_key', Buffer.from('sk-raw'), /JSON object/],
    ['no value field', 'api_key', opened({ key: 'x' }), /\{"value"/],
    ['extra fields', 'api_key', opened({ value: 'x', other: 1 }), /\{"value"/],
    ['an empty key', 'api_key', opened({ value: '' }), /must not be empty/],
    ['a trailing newline', 'api_key', opened({ value: 'sk-abc\n' }), /control characters/],
    ['an object for api_key', 'api_key', opened({ value: { a: 'b' } }), /must be a string/],
    ['a string that is not an object', 'headers', opened({ value: '"x"' }), /JSON object/],
    ['no headers', 'headers', opened({ value: {} }), /at least one/],
    ['a bad header name', 'headers', opened({ value: { 'X Api': 'v' } }), /not a valid header name/],
    ['Host', 'headers', opened({ value: { Host: 'evil.example' } }), /cannot be set/],
    ['Content-Length', 'headers', opened({ value: { 'content-length': '1' } }), /cannot be set/],
    ['a duplicate name', 'headers', opened({ value: { 'X-A': '1', 'x-a': '2' } }), /given twice/],
    ['CRLF in a value', 'headers', opened({ value: { 'X-A': 'v\r\nX-B: w' } }), /control characters/],
    ['an empty value', 'headers', opened({ value: { 'X-A': '' } }), /non-empty/],
  ] as const)('refuses %s as validation_failed', (_label, kind, payload, message) => {
    const result = parseSecretValue(kind, payload);
    expect(errorOf(result)).toMatch(/^validation_failed/);
    expect(errorOf(result)).toMatch(message);
  });

  it('never quotes the value in its message', () => {
    expect(errorOf(parseSecretValue('api_key', opened({ value: 'sk-secret-value\u0000' })))).not.toContain('sk-secret');
  });
});

describe('secretMaterialOf / revealPayloadOf', () => {
  it('gives back an api key and headers in the shape they were stored', () => {
    expect(secretMaterialOf('api_key', Buffer.from('sk-1'))).toEqual({ apiKey: 'sk-1' });
    const headers = secretMaterialOf('headers', Buffer.from('{"X-A":"1"}'));
    expect(headers).toEqual({ headers: { 'X-A': '1' } });
    expect(revealPayloadOf(headers)).toEqual({ value: { 'X-A': '1' } });
    expect(revealPayloadOf({ apiKey: 'sk-1' })).toEqual({ value: 'sk-1' });
  });
});
