import { createHash } from 'node:crypto';
import { ID_PATTERN } from '@switchboard/contracts';
import { newAgentKey } from './agent-key.js';

describe('newAgentKey', () => {
  it('makes a fresh sbk_ key in the gateway format, with its SHA-256 and a key id', () => {
    const a = newAgentKey();
    const b = newAgentKey();
    expect(a.key).toMatch(/^sbk_[A-Za-z0-9_-]{43}$/);
    expect(a.keyHash).toBe(createHash('sha256').update(a.key).digest('hex'));
    expect(a.keyId).toMatch(ID_PATTERN);
    expect(a.keyId.startsWith('key_')).toBe(true);
    expect(b.key).not.toBe(a.key);
  });
});
