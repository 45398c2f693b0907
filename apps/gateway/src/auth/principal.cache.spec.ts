import type { Principal } from '@switchboard/contracts';
import { PrincipalCache } from './principal.cache.js';

const principal = (keyId: string): Principal => ({ keyId, tenantId: 'ten_1', role: 'admin', agentId: null });

describe('PrincipalCache', () => {
  let now = 0;
  const cache = (maxEntries = 10) => new PrincipalCache({ ttlMs: 1000, maxEntries, now: () => now });

  beforeEach(() => {
    now = 0;
  });

  it('returns a principal until its TTL runs out', () => {
    const c = cache();
    c.set('h1', principal('key_1'));
    now = 999;
    expect(c.get('h1')).toEqual(principal('key_1'));
    now = 1000;
    expect(c.get('h1')).toBeUndefined();
    expect(c.size).toBe(0);
  });

  it('evicts every hash of a revoked key id at once', () => {
    const c = cache();
    c.set('h1', principal('key_1'));
    c.set('h2', principal('key_2'));
    c.evictByKeyId('key_1');
    expect(c.get('h1')).toBeUndefined();
    expect(c.get('h2')).toEqual(principal('key_2'));
  });

  it('stays bounded, dropping the oldest entry first', () => {
    const c = cache(2);
    c.set('h1', principal('key_1'));
    c.set('h2', principal('key_2'));
    c.set('h3', principal('key_3'));
    expect(c.size).toBe(2);
    expect(c.get('h1')).toBeUndefined();
    expect(c.get('h3')).toEqual(principal('key_3'));
    c.evictByKeyId('key_1');
    expect(c.size).toBe(2);
  });

  it('replaces an entry set again without leaking its old key id', () => {
    const c = cache();
    c.set('h1', principal('key_1'));
    c.set('h1', principal('key_9'));
    c.evictByKeyId('key_1');
    expect(c.get('h1')).toEqual(principal('key_9'));
  });
});
