import { MAX_LOGGED_STRING, REDACTED, redact, redactString } from './log.redaction.js';

describe('redact', () => {
  it('redacts sensitive keys at any depth, in objects and arrays', () => {
    const input = {
      authorization: 'Basic abc',
      headers: { 'x-api-key': 'k1', Cookie: 'c=1', accept: 'json' },
      providers: [{ name: 'p', apiKey: 'plain', secret: { nested: true } }],
      password: 'hunter2',
      accessToken: 'tok',
      privateKey: 'pem',
      plaintext: 'pt',
      value: 'v',
      key: 'k',
    };
    expect(redact(input)).toEqual({
      authorization: REDACTED,
      headers: { 'x-api-key': REDACTED, Cookie: REDACTED, accept: 'json' },
      providers: [{ name: 'p', apiKey: REDACTED, secret: REDACTED }],
      password: REDACTED,
      accessToken: REDACTED,
      privateKey: REDACTED,
      plaintext: REDACTED,
      value: REDACTED,
      key: REDACTED,
    });
  });

  it('keeps names that only refer to a secret, but still scans their values', () => {
    expect(redact({ secretId: 'sec_1', keyId: 'key_1', outputTokens: 12, secretVersion: 2, apiKeyHint: 'sk-…abcd' })).toEqual({
      secretId: 'sec_1',
      keyId: 'key_1',
      outputTokens: 12,
      secretVersion: 2,
      apiKeyHint: 'sk-…abcd',
    });
    expect(redact({ secretId: 'sk-proj-abcdefgh12345678' })).toEqual({ secretId: REDACTED });
  });

  it('redacts credential-looking strings wherever they appear', () => {
    const hex = 'a3f1'.repeat(16);
    const b64 = 'q8Zr2LmXw0PfT7vYc1NbK4sHj9DgE6uA';
    expect(redact('Bearer eyJhbGciOi.payload.sig')).toBe(REDACTED);
    expect(redact('sk-ant-api03-AbCdEf123456')).toBe(REDACTED);
    expect(redact('sbk_0123456789abcdefghjk')).toBe(REDACTED);
    expect(redact(hex)).toBe(REDACTED);
    expect(redact(b64)).toBe(REDACTED);
    expect(redact(`${b64}==`)).toBe(REDACTED);
    expect(redact({ list: ['ok', `upstream said: invalid key sk-live1234567890 (401)`] })).toEqual({
      list: ['ok', `upstream said: invalid key ${REDACTED} (401)`],
    });
    expect(redactString('postgres://app:s3cr3t@db:5432/sb')).toBe(`postgres://app:${REDACTED}@db:5432/sb`);
  });

  it('leaves ordinary text, ids and identifiers alone', () => {
    const text = 'provider prv_0123456789abcdefghjk registered by task-runner; provider_registered_projection_v2_x';
    expect(redact(text)).toBe(text);
    expect(redact('550e8400-e29b-41d4-a716-446655440000')).toBe('550e8400-e29b-41d4-a716-446655440000');
    expect(redact('postgres://postgres@127.0.0.1:5432/switchboard')).toBe('postgres://postgres@127.0.0.1:5432/switchboard');
  });

  it('turns Errors into plain objects with redacted message, stack, extra properties and cause', () => {
    const cause = new Error('cause with Bearer abc.def');
    const error = Object.assign(new Error('failed for sk-abcdefgh12345678', { cause }), { code: 'E1', token: 't' });
    const out = redact({ err: error }) as { err: Record<string, unknown> };
    expect(out.err['name']).toBe('Error');
    expect(out.err['message']).toBe(`failed for ${REDACTED}`);
    expect(out.err['code']).toBe('E1');
    expect(out.err['token']).toBe(REDACTED);
    expect(String(out.err['stack'])).not.toContain('sk-abcdefgh12345678');
    expect((out.err['cause'] as Record<string, unknown>)['message']).toBe(`cause with ${REDACTED}`);
  });

  it('is JSON-safe: binary, bigint, dates, cycles and undefined', () => {
    const cyclic: Record<string, unknown> = { n: 1n, at: new Date(0), bytes: new Uint8Array(32), skip: undefined };
    cyclic['self'] = cyclic;
    const out = redact(cyclic);
    expect(out).toEqual({ n: '1', at: '1970-01-01T00:00:00.000Z', bytes: '[binary 32 bytes]', self: '[Circular]' });
    expect(() => JSON.stringify(out)).not.toThrow();
  });
});

describe('redactString length cap', () => {
  const MAX = MAX_LOGGED_STRING;

  it('logs a string of up to MAX_LOGGED_STRING characters whole', () => {
    const text = 'a '.repeat(MAX / 2);
    expect(redactString(text)).toBe(text);
  });

  it('keeps the head of a longer string, ending at a word, and says how much was cut', () => {
    const text = 'word '.repeat(4000);
    const head = 'word '.repeat(Math.floor(MAX / 5));
    expect(redactString(text)).toBe(`${head}…[${text.length - head.length} of ${text.length} characters cut]`);
    expect(redact({ body: text })).toEqual({ body: redactString(text) });
  });

  it('redacts the head it keeps', () => {
    const text = `Bearer abc.def ${'x '.repeat(MAX)}`;
    expect(redactString(text)).toMatch(new RegExp(`^\\${REDACTED} x x .*characters cut\\]$`));
  });

  it('never keeps part of a secret the cut would split', () => {
    const shapes = [
      'sk-abcdefghijklmnop',
      'postgres://app:hunter2@db',
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln',
      'q8Zr2LmXw0PfT7vYc1NbK4sHj9DgE6uA',
    ];
    for (const secret of shapes) {
      // Every cut position inside the secret, including just before the `@` that ends a URL password.
      for (let offset = 1; offset < secret.length; offset++) {
        const text = `${' '.repeat(MAX - offset)}${secret} and more`;
        const head = redactString(text).replace(/…\[\d+ of \d+ characters cut\]$/, '').trim();
        expect({ secret, offset, head }).toEqual({ secret, offset, head: expect.stringMatching(/^(?:postgres:\/\/app:\[REDACTED\]@)?$/) });
      }
    }
  });

  it('does not split a surrogate pair', () => {
    const text = `${' '.repeat(MAX - 1)}😀 and more`;
    expect(redactString(text)).toBe(`${' '.repeat(MAX - 1)}…[${text.length - (MAX - 1)} of ${text.length} characters cut]`);
  });

  it('drops a head that is one unbroken run of secret characters', () => {
    const text = 'q8Zr2LmX'.repeat(MAX);
    expect(redactString(text)).toBe(`…[${text.length} of ${text.length} characters cut]`);
  });
});
