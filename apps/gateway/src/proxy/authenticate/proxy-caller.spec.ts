import type { Principal } from '@switchboard/contracts';
import { presentedKey, selectCaller } from './proxy-caller.js';

const principal = (role: Principal['role'], agentId: string | null = null, tenantId: string | null = 'ten_1'): Principal => ({
  keyId: 'key_1',
  tenantId,
  role,
  agentId,
});

describe('proxy caller', () => {
  it('reads the key from Authorization: Bearer first, else from x-api-key', () => {
    expect(presentedKey('Bearer sbk_a', 'sbk_b')).toBe('sbk_a');
    expect(presentedKey(undefined, 'sbk_b')).toBe('sbk_b');
    expect(presentedKey('Basic xyz', ' sbk_b ')).toBe('sbk_b');
    expect(presentedKey(undefined, undefined)).toBeNull();
    expect(presentedKey(undefined, ['a', 'b'])).toBeNull();
    expect(presentedKey(undefined, 'a b')).toBeNull();
  });

  it('binds an agent key to its own agent', () => {
    expect(selectCaller(principal('agent', 'agt_1'), undefined)).toEqual({ tenantId: 'ten_1', agentId: 'agt_1' });
    expect(selectCaller(principal('agent', 'agt_1'), 'agt_1')).toEqual({ tenantId: 'ten_1', agentId: 'agt_1' });
    expect(selectCaller(principal('agent', 'agt_1'), 'agt_2')).toMatchObject({ kind: 'permission_denied' });
    expect(selectCaller(principal('agent', null), undefined)).toMatchObject({ kind: 'permission_denied' });
  });

  it('lets an admin key act for the agent it names, and nobody else', () => {
    expect(selectCaller(principal('admin'), 'agt_9')).toEqual({ tenantId: 'ten_1', agentId: 'agt_9' });
    expect(selectCaller(principal('admin'), undefined)).toMatchObject({ kind: 'permission_denied', message: expect.stringContaining('x-switchboard-agent') });
    expect(selectCaller(principal('admin'), 'not an id!')).toMatchObject({ kind: 'bad_request' });
    expect(selectCaller(principal('member'), 'agt_9')).toMatchObject({ kind: 'permission_denied' });
    expect(selectCaller(principal('operator', null, null), 'agt_9')).toMatchObject({ kind: 'permission_denied' });
  });
});
