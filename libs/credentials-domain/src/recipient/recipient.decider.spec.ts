import { specificationFor } from '@switchboard/domain-kernel/testing';
import { recipientDecider, type RecipientRegistered, type RegisterRecipient } from './recipient.decider.js';

const spec = specificationFor(recipientDecider);
const publicKey = Buffer.alloc(32, 9).toString('base64');

const register: RegisterRecipient = {
  type: 'RegisterRecipient',
  data: { recipientId: 'rcp_1', name: 'orchestrator', publicKey, now: new Date('2030-01-01T00:00:00Z') },
};
const registered: RecipientRegistered = { type: 'RecipientRegistered', data: { recipientId: 'rcp_1', name: 'orchestrator', publicKey } };

describe('recipient decider', () => {
  it('registers a recipient with its public key', () => {
    spec.given([]).when(register).then([registered]);
  });

  it('refuses to register the same recipient id twice', () => {
    spec.given([registered]).when(register).thenFails('invalid_state');
  });
});
