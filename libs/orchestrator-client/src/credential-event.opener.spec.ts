import { credentialIssuedStatement, type CredentialIssuedFields } from '@switchboard/contracts';
import { generateRecipientKeyPair, sealCredential } from '@switchboard/sealing';
import { generateServiceKeyPair, loadSigningKey, signText, type ServiceKeyPair } from '@switchboard/service-identity';
import { CredentialEventOpener } from './credential-event.opener.js';

const now = new Date('2030-01-01T00:00:00.000Z');
const later = '2030-01-01T01:00:00.000Z';
const recipient = generateRecipientKeyPair();
const ids = { tenantId: 'ten_1', agentId: 'agt_1', startId: 'stt_1', recipientId: 'rcp_1' };
const provider: CredentialIssuedFields['provider'] = {
  id: 'prv_1',
  type: 'openai',
  protocol: 'openai',
  endpoint: 'https://api.openai.com/v1',
  authMethod: 'bearer',
  organizationId: null,
  model: 'gpt-4o',
};

const issuer = generateServiceKeyPair();

/** Signs as credentials-service does (the fields of API.md, in order). */
function signed<E extends Parameters<typeof credentialIssuedStatement>[0]>(event: E, key: ServiceKeyPair = issuer) {
  const statement = credentialIssuedStatement(event);
  if (statement === null) throw new Error('unsignable event');
  return { ...event, signature: { alg: 'Ed25519', keyId: key.keyId, sig: signText(loadSigningKey(key.privateKeyPem).key, statement) } };
}

/** A credential.issued message as the bus carries it, sealed for `ids` unless told otherwise, and signed. */
function issued(overrides: Record<string, unknown> = {}, payload: object = { baseUrl: provider.endpoint, apiKey: 'sk-real', expiresAt: later }) {
  return signed(unsigned(overrides, payload));
}

function unsigned(overrides: Record<string, unknown> = {}, payload: object = { baseUrl: provider.endpoint, apiKey: 'sk-real', expiresAt: later }) {
  const context = { ...ids, ...overrides } as typeof ids;
  return {
    eventId: 'evt_1',
    type: 'credential.issued',
    tenantId: ids.tenantId,
    at: now.toISOString(),
    agentId: ids.agentId,
    startId: ids.startId,
    recipientId: ids.recipientId,
    delivery: 'direct',
    provider,
    sealed: sealCredential(payload, recipient.publicKey, context),
    expiresAt: later,
  };
}

const issuerKeys = [{ keyId: issuer.keyId, publicKey: issuer.publicKey }];
const opener = (clock = now) =>
  new CredentialEventOpener({ tenantId: ids.tenantId, recipientId: ids.recipientId, privateKey: recipient.privateKey, issuerKeys, now: () => clock });

const refusal = (result: ReturnType<CredentialEventOpener['openIssued']>) => (result.ok ? null : result.error.reason);

describe('CredentialEventOpener', () => {
  it('opens a credential sealed to this recipient and maps it to the agent environment', () => {
    const result = opener().openIssued(issued());
    expect(result).toEqual({
      ok: true,
      value: {
        eventId: 'evt_1',
        agentId: 'agt_1',
        startId: 'stt_1',
        delivery: 'direct',
        provider,
        credential: { baseUrl: provider.endpoint, apiKey: 'sk-real', expiresAt: later },
        environment: { OPENAI_BASE_URL: provider.endpoint, OPENAI_API_KEY: 'sk-real', SWITCHBOARD_AGENT_ID: 'agt_1' },
        expiresAt: later,
      },
    });
  });

  it('refuses a replay of a handled event id, or another event for a handled start', () => {
    const o = opener();
    const first = o.openIssued(issued());
    if (!first.ok) throw new Error('expected the first delivery to open');
    // Not handled yet (say the handler threw): a redelivery opens again.
    expect(o.openIssued(issued()).ok).toBe(true);
    o.handled(first.value);
    expect(refusal(o.openIssued(issued()))).toBe('replay');
    expect(refusal(o.openIssued(signed({ ...unsigned(), eventId: 'evt_2' })))).toBe('replay');
    expect(o.openDenied({ eventId: 'evt_3', type: 'credential.denied', tenantId: 'ten_1', at: later, agentId: 'agt_1', startId: 'stt_1', reason: 'kms_unavailable' }))
      .toMatchObject({ ok: false, error: { reason: 'replay' } });
  });

  it('refuses an expired credential, by the event or by the sealed payload', () => {
    expect(refusal(opener(new Date(later)).openIssued(issued()))).toBe('expired');
    const sealedEarlier = issued({}, { baseUrl: provider.endpoint, apiKey: 'sk-real', expiresAt: now.toISOString() });
    expect(refusal(opener().openIssued(sealedEarlier))).toBe('expired');
    // Even a signed event's expiry does not outlive the sealed one.
    const stretched = signed({ ...unsigned({}, { baseUrl: provider.endpoint, apiKey: 'sk-real', expiresAt: '2030-01-01T00:30:00.000Z' }), expiresAt: '2031-01-01T00:00:00.000Z' });
    const opened = opener().openIssued(stretched);
    expect(opened.ok && opened.value.expiresAt).toBe('2030-01-01T00:30:00.000Z');
  });

  it('refuses events for another recipient or tenant before any key agreement', () => {
    expect(refusal(opener().openIssued({ ...issued(), recipientId: 'rcp_2' }))).toBe('other_recipient');
    expect(refusal(opener().openIssued({ ...issued(), tenantId: 'ten_2' }))).toBe('other_tenant');
  });

  it('refuses a credential that is unsigned, signed by a key it does not pin, or changed after signing', () => {
    // What anyone with the recipient's public key can make: a sealed credential pointing the agent elsewhere.
    const forged = unsigned({}, { baseUrl: 'https://attacker.example/v1', apiKey: 'sk-attacker', expiresAt: later });
    expect(refusal(opener().openIssued(forged))).toBe('unsigned');
    expect(refusal(opener().openIssued(signed(forged, generateServiceKeyPair())))).toBe('unknown_issuer_key');
    const real = issued();
    const forgedSealed = { ...real, sealed: forged.sealed };
    expect(refusal(opener().openIssued(forgedSealed))).toBe('bad_signature');
    expect(refusal(opener().openIssued({ ...real, expiresAt: '2030-01-01T02:00:00.000Z' }))).toBe('bad_signature');
    expect(refusal(opener().openIssued({ ...real, delivery: 'proxy' }))).toBe('bad_signature');
    expect(refusal(opener().openIssued({ ...real, signature: { ...real.signature, sig: real.signature.sig.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) } }))).toBe('bad_signature');
  });

  it('refuses a tampered blob, a blob moved into another event, and one sealed to someone else', () => {
    const event = unsigned();
    const ciphertext = Buffer.from(event.sealed.ciphertext, 'base64');
    ciphertext[0] = (ciphertext[0] ?? 0) ^ 1;
    expect(refusal(opener().openIssued(signed({ ...event, sealed: { ...event.sealed, ciphertext: ciphertext.toString('base64') } })))).toBe('unopenable');
    expect(refusal(opener().openIssued(signed({ ...event, agentId: 'agt_2' })))).toBe('unopenable');
    expect(refusal(opener().openIssued(signed({ ...event, startId: 'stt_2' })))).toBe('unopenable');
    const other = generateRecipientKeyPair();
    const foreign = signed({ ...event, sealed: sealCredential({ baseUrl: 'x', apiKey: 'y', expiresAt: later }, other.publicKey, ids) });
    expect(refusal(opener().openIssued(foreign))).toBe('unopenable');
  });

  it('refuses a payload that opens but is not a credential', () => {
    expect(refusal(opener().openIssued(issued({}, { baseUrl: 'x', expiresAt: later })))).toBe('unopenable');
  });

  it('refuses malformed events, keeping their ids when it can', () => {
    expect(opener().openIssued('nonsense')).toEqual({ ok: false, error: { reason: 'malformed', eventId: null, startId: null } });
    expect(opener().openIssued({ ...issued(), sealed: { alg: 'none' } })).toEqual({
      ok: false,
      error: { reason: 'malformed', eventId: 'evt_1', startId: 'stt_1' },
    });
  });

  it('passes denials of the tenant through, with any reason', () => {
    const denial = { eventId: 'evt_9', type: 'credential.denied', tenantId: 'ten_1', at: later, agentId: 'agt_1', startId: 'stt_9', reason: 'provider_deleted' };
    expect(opener().openDenied(denial)).toEqual({ ok: true, value: { eventId: 'evt_9', agentId: 'agt_1', startId: 'stt_9', reason: 'provider_deleted' } });
    expect(opener().openDenied({ ...denial, reason: 'something_new' }).ok).toBe(true);
    expect(opener().openDenied({ ...denial, tenantId: 'ten_2' })).toMatchObject({ ok: false, error: { reason: 'other_tenant' } });
  });

  it('refuses to start with a private key that is not 32 raw bytes, or without a pinned issuer key', () => {
    expect(() => new CredentialEventOpener({ tenantId: 't', recipientId: 'r', privateKey: 'c2hvcnQ=', issuerKeys })).toThrow(/32-byte/);
    expect(() => new CredentialEventOpener({ tenantId: 't', recipientId: 'r', privateKey: recipient.privateKey, issuerKeys: [] })).toThrow(/pin/);
    const bad = [{ keyId: 'k', publicKey: 'c2hvcnQ=' }];
    expect(() => new CredentialEventOpener({ tenantId: 't', recipientId: 'r', privateKey: recipient.privateKey, issuerKeys: bad })).toThrow(/Ed25519/);
  });
});
