import { specificationFor } from '@switchboard/domain-kernel/testing';
import { issuanceDecider, type CredentialDenied, type CredentialIssued, type DenyCredential, type IssueCredential } from './issuance.decider.js';

const spec = specificationFor(issuanceDecider);
const now = new Date('2030-01-01T00:00:00Z');

const credential: CredentialIssued['data'] = {
  agentId: 'agt_1',
  startId: 'stt_1',
  recipientId: 'rcp_1',
  delivery: 'proxy',
  provider: {
    id: 'prv_1',
    type: 'openai',
    protocol: 'openai',
    endpoint: 'https://api.openai.com/v1',
    authMethod: 'bearer',
    organizationId: null,
    model: 'gpt-4o',
  },
  sealed: { alg: 'X25519-HKDF-SHA256-A256GCM', epk: 'ZXBr', iv: 'aXY=', ciphertext: 'Y3Q=', tag: 'dGFn' },
  expiresAt: '2030-01-02T00:00:00.000Z',
  signature: { alg: 'Ed25519', keyId: 'sk_credentials', sig: 'c2ln' },
};
const issue: IssueCredential = { type: 'IssueCredential', data: { credential, now } };
const issued: CredentialIssued = { type: 'CredentialIssued', data: credential };
const deny = (reason: DenyCredential['data']['reason']): DenyCredential => ({
  type: 'DenyCredential',
  data: { agentId: 'agt_1', startId: 'stt_1', reason, now },
});
const denied: CredentialDenied = { type: 'CredentialDenied', data: { agentId: 'agt_1', startId: 'stt_1', reason: 'unknown_recipient' } };

describe('issuance decider', () => {
  it('issues the sealed credential of a pending start', () => {
    spec.given([]).when(issue).then([issued]);
  });

  it('denies a pending start with its reason', () => {
    spec.given([]).when(deny('unknown_recipient')).then([denied]);
  });

  it('decides nothing once issued: a redelivered start issues once', () => {
    spec.given([issued]).when(issue).then([]);
    spec.given([issued]).when(deny('kms_unavailable')).then([]);
  });

  it('decides nothing once denied', () => {
    spec.given([denied]).when(issue).then([]);
    spec.given([denied]).when(deny('provider_deleted')).then([]);
  });
});
