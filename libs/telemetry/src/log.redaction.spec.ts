import { REDACTED, redact, redactString } from './log.redaction.js';

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
