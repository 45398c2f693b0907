import { defineOperation, fromGateway, Actor, type ServiceName } from '@switchboard/contracts';
import { z } from 'zod';
import { generateServiceKeyPair, loadSigningKey } from './ed25519.js';
import { ReplayWindow } from './replay.window.js';
import { ServiceIdentity } from './service-identity.js';
import { testIdentities, untrustedIdentity } from './testing/index.js';
import { TrustedKeys } from './trusted-keys.js';

const Reveal = defineOperation('credentials.v1.spec-reveal', z.object({ actor: Actor, id: z.string() }), z.object({}), fromGateway);
const Health = defineOperation('credentials.v1.spec-health', z.object({}), z.object({}), { callers: ['gateway', 'usage'] });
const admin: Actor = { tenantId: 'ten_a', keyId: 'key_admin', role: 'admin', agentId: null };
const ids = testIdentities();

/** Each verifier with a clock of its own, so the window and expiry can be stepped through. */
function at(service: ServiceName, clock: { now: number }): ServiceIdentity {
  return ids.identity(service, { now: () => clock.now });
}

const reason = (result: ReturnType<ServiceIdentity['verifyRequest']>) => (result.ok ? 'ok' : String(result.error.details?.['reason']));

describe('ServiceIdentity request tokens', () => {
  const body = JSON.stringify({ id: 'sec_1' });

  it('verifies a token for its operation and payload once, with the principal as the caller gave it', () => {
    const credentials = ids.identity('credentials');
    const { token, jti } = ids.identity('gateway').signRequest(Reveal, body, admin);
    expect(credentials.verifyRequest(token, Reveal, body)).toEqual({ ok: true, value: { caller: 'gateway', principal: admin, jti } });
    expect(reason(credentials.verifyRequest(token, Reveal, body))).toBe('replayed');
  });

  it('binds the payload and the operation', () => {
    const credentials = ids.identity('credentials');
    const { token } = ids.identity('gateway').signRequest(Reveal, body, admin);
    expect(reason(credentials.verifyRequest(token, Reveal, JSON.stringify({ id: 'sec_2' })))).toBe('payload_mismatch');
    expect(reason(credentials.verifyRequest(token, Health, body))).toBe('wrong_operation');
    // A refused token took no slot in the window: the genuine request still goes through.
    expect(reason(credentials.verifyRequest(token, Reveal, body))).toBe('ok');
  });

  it('refuses callers off the list, principal-less calls made on behalf of someone, and untrusted keys', () => {
    const credentials = ids.identity('credentials');
    expect(reason(credentials.verifyRequest(ids.identity('usage').signRequest(Reveal, body, admin).token, Reveal, body))).toBe('caller_not_allowed');
    expect(reason(credentials.verifyRequest(ids.identity('gateway').signRequest(Reveal, body, null).token, Reveal, body))).toBe('principal_missing');
    expect(reason(credentials.verifyRequest(untrustedIdentity('gateway').signRequest(Reveal, body, admin).token, Reveal, body))).toBe('unknown_key');
    expect(reason(credentials.verifyRequest(ids.identity('usage').signRequest(Health, '{}', null).token, Health, '{}'))).toBe('ok');
  });

  it('refuses a token whose signature does not cover what it says', () => {
    const credentials = ids.identity('credentials');
    const { token } = ids.identity('gateway').signRequest(Reveal, body, { ...admin, role: 'member' });
    const [claims, signature] = token.split('.') as [string, string];
    const decoded = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as { prn: Actor };
    const escalated = Buffer.from(JSON.stringify({ ...decoded, prn: admin }), 'utf8').toString('base64url');
    expect(reason(credentials.verifyRequest(`${escalated}.${signature}`, Reveal, body))).toBe('bad_signature');
    expect(reason(credentials.verifyRequest(undefined, Reveal, body))).toBe('missing_token');
    expect(reason(credentials.verifyRequest(`${claims}`, Reveal, body))).toBe('malformed_token');
    expect(reason(credentials.verifyRequest(`${claims}.${signature}.x`, Reveal, body))).toBe('malformed_token');
  });

  it('accepts a token within its life (and the clock skew), and not after', () => {
    const clock = { now: 1_000_000 };
    const gateway = at('gateway', clock);
    const credentials = at('credentials', clock);
    const first = gateway.signRequest(Reveal, body, admin);
    clock.now += 14_000; // 10 s life + 5 s skew
    expect(reason(credentials.verifyRequest(first.token, Reveal, body))).toBe('ok');
    const second = gateway.signRequest(Reveal, body, admin);
    clock.now += 15_001;
    expect(reason(credentials.verifyRequest(second.token, Reveal, body))).toBe('expired');
    const fromTheFuture = at('gateway', { now: clock.now + 6_000 }).signRequest(Reveal, body, admin);
    expect(reason(credentials.verifyRequest(fromTheFuture.token, Reveal, body))).toBe('not_yet_valid');
    const longLived = ids.identity('gateway', { now: () => clock.now, tokenTtlMs: 3_600_000 }).signRequest(Reveal, body, admin);
    expect(reason(credentials.verifyRequest(longLived.token, Reveal, body))).toBe('not_yet_valid');
  });

  it('forgets token ids once their tokens have expired, so the window stays bounded', () => {
    const window = new ReplayWindow(3);
    expect(window.admit('a', 100, 0)).toBe(true);
    expect(window.admit('b', 100, 0)).toBe(true);
    expect(window.admit('c', 5_000, 0)).toBe(true);
    expect(window.admit('d', 5_000, 50)).toBe(false); // full of live ids: refused, not forgotten
    expect(window.admit('a', 100, 50)).toBe(false);
    expect(window.admit('d', 5_000, 2_000)).toBe(true); // a and b expired and were swept
    expect(window.size).toBe(2);
  });
});

describe('ServiceIdentity replies and statements', () => {
  const gateway = ids.identity('gateway');
  const credentials = ids.identity('credentials');

  it("accepts a reply only from the operation's service, for that request, as sent", () => {
    const { jti } = gateway.signRequest(Reveal, '{}', admin);
    const reply = JSON.stringify({ ok: true, value: {} });
    const proof = credentials.signReply(jti, reply);
    expect(gateway.verifyReply(proof, Reveal, jti, reply)).toBe(true);
    expect(gateway.verifyReply(proof, Reveal, jti, JSON.stringify({ ok: false }))).toBe(false);
    expect(gateway.verifyReply(proof, Reveal, 'another-request-id-xx', reply)).toBe(false);
    expect(gateway.verifyReply(ids.identity('usage').signReply(jti, reply), Reveal, jti, reply)).toBe(false);
    expect(gateway.verifyReply(untrustedIdentity('credentials').signReply(jti, reply), Reveal, jti, reply)).toBe(false);
    expect(gateway.verifyReply(undefined, Reveal, jti, reply)).toBe(false);
  });

  it('verifies a statement against the named service only', () => {
    const signature = credentials.signStatement('switchboard/transport-key/v1|abc');
    expect(gateway.verifyStatement('credentials', 'switchboard/transport-key/v1|abc', signature)).toBe(true);
    expect(gateway.verifyStatement('credentials', 'switchboard/transport-key/v1|abd', signature)).toBe(false);
    expect(gateway.verifyStatement('usage', 'switchboard/transport-key/v1|abc', signature)).toBe(false);
  });

  it('refuses to run with a key its own trust list does not name', () => {
    const stray = generateServiceKeyPair();
    expect(() => new ServiceIdentity('gateway', loadSigningKey(stray.privateKeyPem), ids.trusted)).toThrow(/not among the trusted gateway keys/);
    const rotating = TrustedKeys.parse({ ...ids.trusted.toJSON(), gateway: [ids.keys.gateway.publicKey, stray.publicKey] });
    expect(new ServiceIdentity('gateway', loadSigningKey(stray.privateKeyPem), rotating).keyId).toBe(stray.keyId);
  });
});
