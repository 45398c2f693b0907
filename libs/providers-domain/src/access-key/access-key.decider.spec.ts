import { specificationFor } from '@switchboard/domain-kernel/testing';
import { accessKeyDecider, type CreateKey, type IssueAgentKey, type KeyCreated } from './access-key.decider.js';

const spec = specificationFor(accessKeyDecider);
const now = new Date('2030-01-01T00:00:00Z');
const keyHash = 'a'.repeat(64);

const createKey = (data: Partial<CreateKey['data']> = {}): CreateKey => ({
  type: 'CreateKey',
  data: { keyId: 'key_1', name: 'ci', role: 'member', agentId: null, keyHash, agentExists: false, now, ...data },
});
const created: KeyCreated = {
  type: 'KeyCreated',
  data: { keyId: 'key_1', name: 'ci', role: 'member', agentId: null, keyHash },
};
const revoke = { type: 'RevokeKey', data: { keyId: 'key_1', now } } as const;

describe('access key decider', () => {
  describe('CreateKey', () => {
    it('records the key by its hash', () => {
      spec.given([]).when(createKey()).then([created]);
    });

    it('binds an agent key to an existing agent', () => {
      spec
        .given([])
        .when(createKey({ role: 'agent', agentId: 'agt_1', agentExists: true }))
        .then([{ type: 'KeyCreated', data: { ...created.data, role: 'agent', agentId: 'agt_1' } }]);
    });

    it('refuses an agent key for an agent that does not exist', () => {
      spec.given([]).when(createKey({ role: 'agent', agentId: 'agt_1', agentExists: false })).thenFails('agent_not_found');
    });

    it('refuses an agent key without an agent, and an agent binding on another role', () => {
      spec.given([]).when(createKey({ role: 'agent', agentId: null })).thenFails('validation_failed');
      spec.given([]).when(createKey({ role: 'admin', agentId: 'agt_1', agentExists: true })).thenFails('validation_failed');
    });

    it('refuses to create a key id twice', () => {
      spec.given([created]).when(createKey()).thenFails('invalid_state');
    });
  });

  describe('RevokeKey', () => {
    it('revokes an active key', () => {
      spec.given([created]).when(revoke).then([{ type: 'KeyRevoked', data: { keyId: 'key_1' } }]);
    });

    it('reports a revoked key as not found', () => {
      spec.given([created, { type: 'KeyRevoked', data: { keyId: 'key_1' } }]).when(revoke).thenFails('key_not_found');
    });

    it('reports an unknown key as not found', () => {
      spec.given([]).when(revoke).thenFails('key_not_found');
    });
  });

  describe('IssueAgentKey', () => {
    const expiresAt = new Date('2030-01-01T01:00:00Z');
    const issue = (data: Partial<IssueAgentKey['data']> = {}): IssueAgentKey => ({
      type: 'IssueAgentKey',
      data: { keyId: 'key_9', agentId: 'agt_1', startId: 'stt_1', keyHash, expiresAt, agentExists: true, now, ...data },
    });
    const issued: KeyCreated = {
      type: 'KeyCreated',
      data: {
        keyId: 'key_9',
        name: 'agent agt_1 start stt_1',
        role: 'agent',
        agentId: 'agt_1',
        keyHash,
        startId: 'stt_1',
        expiresAt: '2030-01-01T01:00:00.000Z',
      },
    };

    it('issues an agent key bound to the start, with its expiry', () => {
      spec.given([]).when(issue()).then([issued]);
    });

    it('treats a retry of the same issue as done', () => {
      spec.given([issued]).when(issue()).then([]);
    });

    it('refuses to reuse a key id for another start or hash', () => {
      spec.given([issued]).when(issue({ startId: 'stt_2' })).thenFails('invalid_state');
      spec.given([issued]).when(issue({ keyHash: 'b'.repeat(64) })).thenFails('invalid_state');
      spec.given([created]).when(issue()).thenFails('invalid_state');
    });

    it('refuses an agent that does not exist', () => {
      spec.given([]).when(issue({ agentExists: false })).thenFails('agent_not_found');
    });

    it('refuses an expiry that is not in the future', () => {
      spec.given([]).when(issue({ expiresAt: now })).thenFails('validation_failed');
    });

    it('revokes an issued key like any other', () => {
      spec.given([issued]).when({ type: 'RevokeKey', data: { keyId: 'key_9', now } }).then([{ type: 'KeyRevoked', data: { keyId: 'key_9' } }]);
    });
  });
});
