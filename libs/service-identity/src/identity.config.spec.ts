import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serviceIdentityFromEnv } from './identity.config.js';
import { ensureServiceKeyFiles, keyFileOf, retireServiceKey, rotateServiceKey, TRUSTED_KEYS_FILE } from './service-key.files.js';
import { testIdentities } from './testing/index.js';

describe('service identity configuration', () => {
  let dir: string;

  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'sb-keys-spec-')), 'keys');
  });

  afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

  const fromFiles = (service: 'gateway' | 'credentials') => ({
    SWITCHBOARD_SERVICE_KEY_FILE: keyFileOf(dir, service),
    SWITCHBOARD_TRUSTED_KEYS_FILE: join(dir, TRUSTED_KEYS_FILE),
  });

  it('creates one 0600 key per service and a trust list naming them, once', () => {
    expect(ensureServiceKeyFiles(dir)).toEqual(['gateway', 'providers', 'credentials', 'usage']);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(keyFileOf(dir, 'gateway')).mode & 0o777).toBe(0o600);
    const before = readFileSync(keyFileOf(dir, 'gateway'), 'utf8');
    expect(ensureServiceKeyFiles(dir)).toEqual([]);
    expect(readFileSync(keyFileOf(dir, 'gateway'), 'utf8')).toBe(before);
    const identity = serviceIdentityFromEnv('gateway', fromFiles('gateway'));
    expect(identity.trusted.keysOf('credentials')).toHaveLength(1);
  });

  it('rotates in two steps: both keys trusted, then only the new one', () => {
    ensureServiceKeyFiles(dir);
    const old = serviceIdentityFromEnv('credentials', fromFiles('credentials'));
    const newKeyId = rotateServiceKey(dir, 'credentials');
    const rotated = serviceIdentityFromEnv('credentials', fromFiles('credentials'));
    expect(rotated.keyId).toBe(newKeyId);
    // Mid-rotation, a peer trusting the new list still accepts statements signed with the old key.
    const peer = serviceIdentityFromEnv('gateway', fromFiles('gateway'));
    expect(peer.trusted.keysOf('credentials').map((k) => k.keyId)).toEqual([old.keyId, newKeyId]);
    expect(peer.verifyStatement('credentials', 'x', old.signStatement('x'))).toBe(true);
    retireServiceKey(dir, 'credentials');
    const after = serviceIdentityFromEnv('gateway', fromFiles('gateway'));
    expect(after.trusted.keysOf('credentials').map((k) => k.keyId)).toEqual([newKeyId]);
    expect(after.verifyStatement('credentials', 'x', old.signStatement('x'))).toBe(false);
  });

  it('refuses a key file others can read or write, and says which variable is wrong without quoting a key', () => {
    ensureServiceKeyFiles(dir);
    chmodSync(keyFileOf(dir, 'gateway'), 0o644);
    expect(() => serviceIdentityFromEnv('gateway', fromFiles('gateway'))).toThrow(/SWITCHBOARD_SERVICE_KEY_FILE: .* has mode 644/);
    chmodSync(keyFileOf(dir, 'gateway'), 0o640);
    expect(serviceIdentityFromEnv('gateway', fromFiles('gateway')).service).toBe('gateway');
    expect(() => serviceIdentityFromEnv('gateway', {})).toThrow(/SWITCHBOARD_SERVICE_KEY_FILE \(or SWITCHBOARD_SERVICE_KEY\)/);
    const inline = testIdentities().env('gateway');
    expect(() => serviceIdentityFromEnv('gateway', { ...inline, SWITCHBOARD_TRUSTED_KEYS: '{' })).toThrow(/SWITCHBOARD_TRUSTED_KEYS: not JSON/);
    const garbage = '-----BEGIN PRIVATE KEY-----\nnot-a-key-at-all\n-----END PRIVATE KEY-----\n';
    let message = '';
    try {
      serviceIdentityFromEnv('gateway', { ...inline, SWITCHBOARD_SERVICE_KEY: garbage });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^SWITCHBOARD_SERVICE_KEY: not a PEM private key$/);
    // The gateway's key given to credentials-service: its own trust list does not name it there.
    expect(() => serviceIdentityFromEnv('credentials', inline)).toThrow(/not among the trusted credentials keys/);
  });
});
