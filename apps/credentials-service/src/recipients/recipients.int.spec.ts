import { CredentialsOps } from '@switchboard/contracts';
import { generateRecipientKeyPair } from '@switchboard/sealing';
import { adminOf, errorCode, memberOf, newTenantId, startTestStack, value, type TestStack } from '../../test/service.harness.js';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});

afterAll(async () => {
  await stack?.stop();
});

describe('recipients over the bus', () => {
  it('registers a recipient, lists it in its tenant only, and publishes recipient.registered', async () => {
    const tenantId = newTenantId();
    const { publicKey } = generateRecipientKeyPair();
    const recipient = value(await stack.bus.send(CredentialsOps.registerRecipient, { actor: adminOf(tenantId), name: 'orchestrator', publicKey }));
    expect(recipient).toMatchObject({ name: 'orchestrator', publicKey });
    expect(recipient.id).toMatch(/^rcp_/);
    expect(value(await stack.bus.send(CredentialsOps.listRecipients, { actor: memberOf(tenantId) })).data).toEqual([recipient]);
    expect(value(await stack.bus.send(CredentialsOps.listRecipients, { actor: adminOf(newTenantId()) })).data).toEqual([]);
    expect((await stack.lastEvent(tenantId, 'recipient.registered'))?.json()).toMatchObject({ recipientId: recipient.id, publicKey });
  });

  it.each([
    ['all zero', Buffer.alloc(32).toString('base64')],
    ['a small-order point', Buffer.concat([Buffer.from([1]), Buffer.alloc(31)]).toString('base64')],
    ['not 32 bytes', Buffer.alloc(31, 7).toString('base64')],
    ['url-safe base64', `ab-_${'Q'.repeat(39)}=`],
  ])('refuses a public key that is %s', async (_label, publicKey) => {
    const result = await stack.bus.send(CredentialsOps.registerRecipient, { actor: adminOf(newTenantId()), name: 'bad', publicKey });
    expect(errorCode(result)).toBe('validation_failed');
  });

  it('lets only admins register recipients', async () => {
    const { publicKey } = generateRecipientKeyPair();
    expect(errorCode(await stack.bus.send(CredentialsOps.registerRecipient, { actor: memberOf(newTenantId()), name: 'x', publicKey }))).toBe('forbidden');
  });
});
