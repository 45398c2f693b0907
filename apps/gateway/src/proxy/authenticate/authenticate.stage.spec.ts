import type { Principal } from '@switchboard/contracts';
import { authenticate, type KeyLookup } from './authenticate.stage.js';

const agentKey: Principal = { keyId: 'key_1', tenantId: 'ten_1', role: 'agent', agentId: 'agt_1' };

/** Keys in memory; `down` answers as a providers-service that cannot be reached. */
class MemoryKeys implements KeyLookup {
  lookups = 0;
  down = false;
  constructor(private readonly known: Record<string, Principal>) {}
  async resolve(key: string): Promise<Principal | null> {
    this.lookups++;
    if (this.down) throw new Error('unavailable');
    return this.known[key] ?? null;
  }
}

const keys = () => new MemoryKeys({ sbk_agent: agentKey, sbk_admin: { keyId: 'key_2', tenantId: 'ten_1', role: 'admin', agentId: null } });

describe('authenticate stage', () => {
  it('takes the principal the early-auth hook resolved, without a second lookup', async () => {
    const k = keys();
    expect(await authenticate(k, 'openai_chat', {}, agentKey)).toEqual({ caller: { tenantId: 'ten_1', agentId: 'agt_1' } });
    expect(k.lookups).toBe(0);
  });

  it('looks the key up from Authorization or x-api-key when the hook did not run', async () => {
    expect(await authenticate(keys(), 'openai_chat', { authorization: 'Bearer sbk_agent' }, undefined)).toEqual({ caller: { tenantId: 'ten_1', agentId: 'agt_1' } });
    expect(await authenticate(keys(), 'anthropic_messages', { 'x-api-key': 'sbk_agent' }, undefined)).toEqual({ caller: { tenantId: 'ten_1', agentId: 'agt_1' } });
  });

  it('answers 401 in the client protocol for a missing or unknown key', async () => {
    const missing = await authenticate(keys(), 'openai_chat', {}, undefined);
    expect('error' in missing && missing.error.status).toBe(401);
    const unknown = await authenticate(keys(), 'anthropic_messages', { 'x-api-key': 'sbk_nobody' }, undefined);
    expect('error' in unknown && unknown.error.body).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
  });

  it('answers 503 with Retry-After when keys cannot be checked, never 401', async () => {
    const k = keys();
    k.down = true;
    const result = await authenticate(k, 'openai_chat', { authorization: 'Bearer sbk_agent' }, undefined);
    expect('error' in result && [result.error.status, result.error.headers['retry-after'] !== undefined]).toEqual([503, true]);
  });

  it('lets an admin key call only for the agent it names, and refuses other roles', async () => {
    const unnamed = await authenticate(keys(), 'openai_chat', { authorization: 'Bearer sbk_admin' }, undefined);
    expect('error' in unnamed && unnamed.error.status).toBe(403);
    expect(await authenticate(keys(), 'openai_chat', { authorization: 'Bearer sbk_admin', 'x-switchboard-agent': 'agt_9' }, undefined)).toEqual({
      caller: { tenantId: 'ten_1', agentId: 'agt_9' },
    });
    const member = await authenticate(keys(), 'openai_chat', {}, { keyId: 'key_3', tenantId: 'ten_1', role: 'member', agentId: null });
    expect('error' in member && member.error.status).toBe(403);
  });
});
