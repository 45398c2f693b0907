import { specificationFor } from '@switchboard/domain-kernel/testing';
import {
  secretDecider,
  type CreateSecret,
  type DeleteSecret,
  type RecordReveal,
  type RotateSecret,
  type SecretCreated,
  type SecretDeleted,
  type SecretRotated,
} from './secret.decider.js';

const spec = specificationFor(secretDecider);
const now = new Date('2030-01-01T00:00:00Z');

const create: CreateSecret = {
  type: 'CreateSecret',
  data: { secretId: 'sec_1', name: 'openai', kind: 'api_key', fingerprint: 'hmac-sha256:aa', hint: 'sk-…9Qa1', now },
};
const created: SecretCreated = {
  type: 'SecretCreated',
  data: { secretId: 'sec_1', name: 'openai', kind: 'api_key', version: 1, fingerprint: 'hmac-sha256:aa', hint: 'sk-…9Qa1' },
};
const rotate = (version: number, expectedVersion?: number): RotateSecret => ({
  type: 'RotateSecret',
  data: { secretId: 'sec_1', version, fingerprint: `hmac-sha256:v${version}`, hint: `sk-…v${version}`, now, ...(expectedVersion === undefined ? {} : { expectedVersion }) },
});
const rotated = (version: number): SecretRotated => ({
  type: 'SecretRotated',
  data: { secretId: 'sec_1', version, fingerprint: `hmac-sha256:v${version}`, hint: `sk-…v${version}` },
});
const reveal = (version: number): RecordReveal => ({ type: 'RecordReveal', data: { secretId: 'sec_1', version, revealedBy: 'key_admin', now } });
const remove = (dependents: readonly string[] = [], expectedVersion?: number): DeleteSecret => ({
  type: 'DeleteSecret',
  data: { secretId: 'sec_1', dependents, now, ...(expectedVersion === undefined ? {} : { expectedVersion }) },
});
const deleted: SecretDeleted = { type: 'SecretDeleted', data: { secretId: 'sec_1' } };

describe('secret decider', () => {
  describe('CreateSecret', () => {
    it('creates version 1 with its display data', () => {
      spec.given([]).when(create).then([created]);
    });

    it('refuses to create the same secret id twice, even after deletion', () => {
      spec.given([created]).when(create).thenFails('invalid_state');
      spec.given([created, deleted]).when(create).thenFails('invalid_state');
    });
  });

  describe('RotateSecret', () => {
    it('records the next version', () => {
      spec.given([created]).when(rotate(2)).then([rotated(2)]);
      spec.given([created, rotated(2)]).when(rotate(3, 2)).then([rotated(3)]);
    });

    it('refuses a stale If-Match with both versions in the details', () => {
      spec.given([created, rotated(2)]).when(rotate(3, 1)).thenFails('version_conflict', { expected: 1, actual: 2 });
    });

    it('refuses a value encrypted for a version that is no longer next (a concurrent rotation won)', () => {
      spec.given([created, rotated(2)]).when(rotate(2)).thenFails('version_conflict', { expected: 1, actual: 2 });
    });

    it('does not count reveals as versions', () => {
      const revealed = { type: 'SecretRevealed', data: { secretId: 'sec_1', version: 1, revealedBy: 'key_admin' } } as const;
      spec.given([created, revealed, revealed]).when(rotate(2, 1)).then([rotated(2)]);
    });

    it('reports an unknown or deleted secret as not found', () => {
      spec.given([]).when(rotate(2)).thenFails('secret_not_found');
      spec.given([created, deleted]).when(rotate(2)).thenFails('secret_not_found');
    });
  });

  describe('RecordReveal', () => {
    it('records who revealed which version', () => {
      spec
        .given([created, rotated(2)])
        .when(reveal(2))
        .then([{ type: 'SecretRevealed', data: { secretId: 'sec_1', version: 2, revealedBy: 'key_admin' } }]);
    });

    it('refuses a version the secret never had', () => {
      spec.given([created]).when(reveal(2)).thenFails('invalid_state');
      spec.given([created]).when(reveal(0)).thenFails('invalid_state');
    });

    it('reports a deleted secret as not found', () => {
      spec.given([created, deleted]).when(reveal(1)).thenFails('secret_not_found');
    });
  });

  describe('DeleteSecret', () => {
    it('deletes a secret no provider uses', () => {
      spec.given([created]).when(remove()).then([deleted]);
      spec.given([created, rotated(2)]).when(remove([], 2)).then([deleted]);
    });

    it('refuses while providers use it and names every one', () => {
      spec.given([created]).when(remove(['prv_1', 'prv_2'])).thenFails('secret_in_use', { dependents: ['prv_1', 'prv_2'] });
    });

    it('refuses a stale If-Match', () => {
      spec.given([created, rotated(2)]).when(remove([], 1)).thenFails('version_conflict');
    });

    it('reports an unknown or already deleted secret as not found', () => {
      spec.given([]).when(remove()).thenFails('secret_not_found');
      spec.given([created, deleted]).when(remove()).thenFails('secret_not_found');
    });
  });
});
