import { formatSecretReference, parseHeadersValue, parseSecretReference, resolveSecretReference, type SecretSources } from './secret-reference.js';

const CANARY = 'sk-canary-0123456789abcdef';

function sources(env: Record<string, string>, files: Record<string, string> = {}): SecretSources & { read: string[] } {
  const read: string[] = [];
  return {
    env,
    baseDir: '/config',
    read,
    readFile: (path) => {
      read.push(path);
      const content = files[path];
      if (content === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
      return content;
    },
  };
}

describe('secret references', () => {
  it('parses ${env:NAME} and ${file:path}, and nothing that looks like a value', () => {
    expect(parseSecretReference('${env:OPENAI_KEY}')).toEqual({ source: 'env', name: 'OPENAI_KEY' });
    expect(parseSecretReference('${file:./keys/openai.txt}')).toEqual({ source: 'file', path: './keys/openai.txt' });
    for (const text of [CANARY, '${env:}', '${env:1BAD}', '${vault:x}', 'prefix ${env:A}', '${env:A} suffix']) expect([text, parseSecretReference(text)]).toEqual([text, null]);
  });

  it('formats a reference back as it was written', () => {
    for (const text of ['${env:A_B}', '${file:/etc/key}']) {
      const parsed = parseSecretReference(text);
      expect(parsed && formatSecretReference(parsed)).toBe(text);
    }
  });

  it('reads a variable, and a file relative to the configuration file without its trailing newline', () => {
    const from = sources({ KEY: CANARY }, { '/config/keys/k.txt': `${CANARY}\n`, '/abs/k': 'v' });
    expect(resolveSecretReference({ source: 'env', name: 'KEY' }, from)).toBe(CANARY);
    expect(resolveSecretReference({ source: 'file', path: 'keys/k.txt' }, from)).toBe(CANARY);
    expect(resolveSecretReference({ source: 'file', path: '/abs/k' }, from)).toBe('v');
    expect(from.read).toEqual(['/config/keys/k.txt', '/abs/k']);
  });

  it('fails on a missing or empty value, naming the reference and never a value', () => {
    const from = sources({ EMPTY: '', OTHER: CANARY });
    for (const reference of [{ source: 'env', name: 'UNSET' }, { source: 'env', name: 'EMPTY' }, { source: 'file', path: 'nope.txt' }] as const) {
      let error: unknown;
      try {
        resolveSecretReference(reference, from);
      } catch (caught) {
        error = caught;
      }
      expect(error).toMatchObject({ code: 'reference_unresolved', message: expect.stringContaining(formatSecretReference(reference)) });
      expect(String((error as Error).message)).not.toContain(CANARY);
    }
  });

  it('reads custom headers from one reference holding a JSON object, without quoting it when it is not one', () => {
    const reference = { source: 'env', name: 'HEADERS' } as const;
    expect(parseHeadersValue(reference, JSON.stringify({ 'X-Api-Key': CANARY }))).toEqual({ 'X-Api-Key': CANARY });
    for (const bad of [CANARY, '[1]', '{"a":1}']) {
      expect(() => parseHeadersValue(reference, bad)).toThrow(expect.objectContaining({ code: 'reference_unresolved' }));
      try {
        parseHeadersValue(reference, bad);
      } catch (error) {
        expect((error as Error).message).not.toContain(CANARY);
      }
    }
  });
});
