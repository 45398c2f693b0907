import { createHash, randomBytes } from 'node:crypto';
import { headers as natsHeaders, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { CredentialsOps, ProvidersOps, newId, type Actor, type Operation, type ServiceName } from '@switchboard/contracts';
import { generateRecipientKeyPair, openFromTransport, type SealedCredential } from '@switchboard/sealing';
import { BUS_TOKEN_HEADER, generateServiceKeyPair, loadSigningKey, ServiceIdentity, signText, TrustedKeys } from '@switchboard/service-identity';
import { ApiClient, Stack, eventually, readStreamMessages } from '@switchboard/testing';
import { UPSTREAM_KEY, startVictimTenant, type VictimTenant } from './fixtures/victim-tenant.js';

type Json = Record<string, unknown>;
type Envelope = { ok: boolean; value?: Json; error?: { code: string; details?: { reason?: string } } };

/**
 * The dev stack runs an open NATS: any process that reaches it can publish and subscribe anywhere. Each forgery
 * a plain client tried against the first version of the bus is tried again here and must fail by its effect.
 */
describe('trust on the bus: forgeries from a process that merely reaches NATS', () => {
  let v: VictimTenant;
  let stack: Stack;
  let attacker: NatsConnection;
  let admin: ApiClient;
  let tenantId: string;
  let secretId: string;
  let adminActor: Actor;

  beforeAll(async () => {
    v = await startVictimTenant();
    ({ stack, attacker, admin, tenantId, secretId } = v);
    adminActor = { tenantId, keyId: 'key_forged_admin', role: 'admin', agentId: null };
  });

  afterAll(async () => {
    await v?.stop();
  });

  const subjectOf = (op: Operation) => stack.names.command(op.subject);

  /** A request as Nest's transport frames it, with a token in the header when one is given. */
  async function send(op: Operation, data: unknown, token?: string): Promise<Envelope> {
    const headers = natsHeaders();
    if (token !== undefined) headers.set(BUS_TOKEN_HEADER, token);
    const packet = JSON.stringify({ pattern: subjectOf(op), data, id: randomBytes(8).toString('hex') });
    const reply = await attacker.request(subjectOf(op), packet, { timeout: 5_000, headers });
    return reply.json<{ response: Envelope }>().response;
  }

  /** A token under a service's name, signed with a key the attacker made: what it can mint without a real key. */
  function selfMadeIdentity(service: ServiceName): ServiceIdentity {
    const own = generateServiceKeyPair();
    return new ServiceIdentity(service, loadSigningKey(own.privateKeyPem), TrustedKeys.parse({ [service]: [own.publicKey] }));
  }

  /** A token for exactly `data` as sent, naming its `actor` as the principal: the best a holder of `identity` can do. */
  function tokenFor(identity: ServiceIdentity, op: Operation, data: Json): string {
    const actor = (data as { actor?: Actor }).actor ?? null;
    return identity.signRequest(op, JSON.stringify(data), op.onBehalf ? actor : null).token;
  }

  const refusalOf = (envelope: Envelope) => (envelope.ok ? 'answered' : `${envelope.error?.code}:${envelope.error?.details?.reason}`);

  /** No token, a self-made "gateway" token, and a real usage-service token: every one refused, and nothing in the answers. */
  async function refusedForEveryone(op: Operation, data: Json): Promise<string[]> {
    const answers = [
      await send(op, data),
      await send(op, data, tokenFor(selfMadeIdentity('gateway'), op, data)),
      await send(op, data, tokenFor(stack.identity('usage'), op, data)),
    ];
    for (const answer of answers) expect(JSON.stringify(answer)).not.toContain(UPSTREAM_KEY);
    return answers.map(refusalOf);
  }

  const REFUSED = ['caller_refused:missing_token', 'caller_refused:unknown_key', 'caller_refused:caller_not_allowed'];

  it('still serves the real services: a proxied call passes on the gateway’s own tokens', async () => {
    const res = await new ApiClient(stack.gatewayUrl, v.agentKey).post<Json>('/v1/chat/completions', {
      model: 'fast',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 4,
    });
    expect(res.status).toBe(200);
    expect(v.mock.calls().at(-1)?.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
  });

  it('gateway-credential: no plaintext key, and nothing sealed to a key of the caller’s choosing', async () => {
    const mine = generateRecipientKeyPair();
    const data = { tenantId, secretId, replyKey: mine.publicKey };
    expect(await refusedForEveryone(CredentialsOps.gatewayCredential, data)).toEqual(REFUSED);
  });

  it('secret.reveal with a forged admin actor returns nothing and records no reveal', async () => {
    const mine = generateRecipientKeyPair();
    const data = { actor: adminActor, id: secretId, replyKey: mine.publicKey };
    expect(await refusedForEveryone(CredentialsOps.revealSecret, data)).toEqual(REFUSED);
    const reveals = await readStreamMessages(stack.names, stack.names.event(tenantId, 'secret.revealed'));
    expect(reveals).toHaveLength(0);
  });

  it('usage-service’s own key opens none of credentials-service’s secret operations', async () => {
    const usage = stack.identity('usage');
    const sealedValue = { alg: 'X25519-HKDF-SHA256-A256GCM', epk: 'AA==', iv: 'AA==', ciphertext: 'AA==', tag: 'AA==' };
    const calls: [Operation, Json][] = [
      [CredentialsOps.listSecrets, { actor: adminActor }],
      [CredentialsOps.getSecret, { actor: adminActor, id: secretId }],
      [CredentialsOps.createSecret, { actor: adminActor, name: 'planted', kind: 'api_key', sealedValue }],
      [CredentialsOps.rotateSecret, { actor: adminActor, id: secretId, sealedValue }],
      [CredentialsOps.deleteSecret, { actor: adminActor, id: secretId }],
      [CredentialsOps.revealSecret, { actor: adminActor, id: secretId, replyKey: generateRecipientKeyPair().publicKey }],
      [CredentialsOps.gatewayCredential, { tenantId, secretId, replyKey: generateRecipientKeyPair().publicKey }],
    ];
    for (const [op, data] of calls) expect([op.subject, refusalOf(await send(op, data, tokenFor(usage, op, data)))]).toEqual([op.subject, 'caller_refused:caller_not_allowed']);
    const secrets = await admin.get<{ data: Json[] }>('/v1/secrets');
    expect(secrets.body.data.map((s) => [s.id, s.version])).toEqual([[secretId, 1]]);
  });

  it('key.create with a forged actor mints no key that authenticates over REST', async () => {
    const planted = `sbk_${randomBytes(32).toString('base64url')}`;
    const keyHash = createHash('sha256').update(planted).digest('hex');
    const data = { actor: adminActor, keyId: newId('key'), keyHash, body: { name: 'backdoor', role: 'admin' } };
    expect(await refusedForEveryone(ProvidersOps.createKey, data)).toEqual(REFUSED);
    expect((await new ApiClient(stack.gatewayUrl, planted).get('/v1/keys')).status).toBe(401);
    const keys = await admin.get<{ data: Json[] }>('/v1/keys');
    expect(keys.body.data.map((k) => k.name)).not.toContain('backdoor');
  });

  it('operator.init from anything but the gateway makes nobody the operator', async () => {
    const planted = `sbk_${randomBytes(32).toString('base64url')}`;
    const data = { keyHash: createHash('sha256').update(planted).digest('hex') };
    const answers = await refusedForEveryone(ProvidersOps.initOperatorKey, data);
    expect(answers).toEqual(REFUSED);
    const credentialsToken = tokenFor(stack.identity('credentials'), ProvidersOps.initOperatorKey, data);
    expect(refusalOf(await send(ProvidersOps.initOperatorKey, data, credentialsToken))).toBe('caller_refused:caller_not_allowed');
    expect((await new ApiClient(stack.gatewayUrl, planted).post('/v1/tenants', { name: 'mine' })).status).toBe(401);
  });

  it('a gateway token seen on the bus can neither be replayed nor moved to another payload', async () => {
    const seen = attacker.subscribe(subjectOf(CredentialsOps.revealSecret), { max: 1 });
    const captured = (async () => {
      for await (const message of seen) return message;
      return null;
    })();
    await attacker.flush();
    const revealed = await admin.post<Json>(`/v1/secrets/${secretId}/reveal`);
    expect(revealed.body).toEqual({ value: UPSTREAM_KEY });
    const message = (await captured) as Msg;
    const token = message.headers?.get(BUS_TOKEN_HEADER);
    expect(token).toBeTruthy();

    const packet = message.json<{ pattern: string; data: Json; id: string }>();
    const replay = async (data: Json) => {
      const headers = natsHeaders();
      headers.set(BUS_TOKEN_HEADER, token as string);
      const reply = await attacker.request(message.subject, JSON.stringify({ ...packet, data }), { timeout: 5_000, headers });
      return reply.json<{ response: Envelope }>().response;
    };
    const replayed = await replay(packet.data);
    expect(refusalOf(replayed)).toBe('caller_refused:replayed');
    const mine = generateRecipientKeyPair();
    const moved = await replay({ ...packet.data, replyKey: mine.publicKey });
    expect(refusalOf(moved)).toBe('caller_refused:payload_mismatch');
    const reveals = await eventually(
      () => readStreamMessages(stack.names, stack.names.event(tenantId, 'secret.revealed')),
      (messages) => messages.length >= 1,
    );
    expect(reveals).toHaveLength(1);
  });

  it('a rogue transport-key responder receives no secret', async () => {
    // A fresh gateway (no transport key cached) while credentials-service is away: only the rogue answers.
    await stack.kill('credentials-service');
    await stack.kill('gateway');
    const rogueKey = generateRecipientKeyPair();
    const forger = generateServiceKeyPair();
    const answers = [
      { publicKey: rogueKey.publicKey, signature: { keyId: 'sk_unsigned', sig: Buffer.alloc(64).toString('base64') } },
      { publicKey: rogueKey.publicKey, signature: { keyId: forger.keyId, sig: signText(loadSigningKey(forger.privateKeyPem).key, `switchboard/transport-key/v1|${rogueKey.publicKey}`) } },
    ];
    let asked = 0;
    const rogue = attacker.subscribe(subjectOf(CredentialsOps.transportKey), {
      callback: (_error, message) => {
        const { id } = message.json<{ id: string }>();
        message.respond(JSON.stringify({ id, response: { ok: true, value: answers[asked++ % answers.length] }, isDisposed: true }));
      },
    });
    const secretCreates: Msg[] = [];
    const sniffer = attacker.subscribe(subjectOf(CredentialsOps.createSecret), { callback: (_error, message) => void secretCreates.push(message) });
    await attacker.flush();
    stack.spawn('gateway', 0);
    await eventually(
      () => fetch(`${stack.gatewayUrl}/healthz`).then((r) => r.status).catch(() => 0),
      (status) => status === 200,
      20_000,
    );

    for (let attempt = 0; attempt < 2; attempt++) {
      const refused = await admin.post<Json>('/v1/secrets', { name: `rogue-${attempt}`, value: `${UPSTREAM_KEY}-${attempt}` });
      expect(refused.status).toBe(500);
    }
    expect(asked).toBeGreaterThanOrEqual(2);
    expect(secretCreates).toHaveLength(0);

    // Back to normal: the real, signed key is used, and what crosses the bus does not open with the rogue's key.
    rogue.unsubscribe();
    stack.spawn('credentials-service', 0);
    const created = await eventually(
      () => admin.post<Json>('/v1/secrets', { name: 'after-rogue', value: `${UPSTREAM_KEY}-after` }),
      (res) => res.status === 201,
      30_000,
    );
    expect(created.status).toBe(201);
    await attacker.flush();
    sniffer.unsubscribe();
    expect(secretCreates.length).toBeGreaterThanOrEqual(1);
    for (const message of secretCreates) {
      const { data } = message.json<{ data: { sealedValue: SealedCredential; name: string } }>();
      const opened = openFromTransport(data.sealedValue, rogueKey.privateKey, { purpose: 'secret.create', tenantId, subject: data.name });
      expect(opened.ok).toBe(false);
    }
    await stack.waitReady();
  });
});
