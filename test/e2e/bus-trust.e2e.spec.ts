import { createHash, randomBytes } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, headers as natsHeaders, type Msg, type NatsConnection } from '@nats-io/transport-node';
import {
  CredentialsOps,
  ProvidersOps,
  credentialIssuedStatement,
  newId,
  type Actor,
  type Operation,
  type ServiceName,
} from '@switchboard/contracts';
import { OrchestratorClient, type IssuedCredential, type Refusal } from '@switchboard/orchestrator-client';
import { generateRecipientKeyPair, openFromTransport, sealCredential, type SealedCredential } from '@switchboard/sealing';
import { BUS_TOKEN_HEADER, generateServiceKeyPair, loadSigningKey, ServiceIdentity, signText, TrustedKeys } from '@switchboard/service-identity';
import { ApiClient, MockLlmUpstream, Stack, deleteEventsStream, eventually, readStreamMessages } from '@switchboard/testing';
import { createLogger } from '@switchboard/telemetry';

type Json = Record<string, unknown>;
type Envelope = { ok: boolean; value?: Json; error?: { code: string; details?: { reason?: string } } };

/** The canary: the tenant's real upstream key, which no forged request may ever bring back. */
const UPSTREAM_KEY = 'sk-canary-bus-trust-0123456789abcdef';
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

/**
 * The dev stack runs an open NATS: any process that reaches it can publish and subscribe anywhere. Each forgery
 * a plain client tried against the first version of the bus is tried again here and must fail by its effect.
 */
describe('trust on the bus: forgeries from a process that merely reaches NATS', () => {
  let mock: MockLlmUpstream;
  let stack: Stack;
  let attacker: NatsConnection;
  let admin: ApiClient;
  let tenantId: string;
  let adminActor: Actor;
  let secretId: string;
  let agentId: string;
  let agentKey: string;
  const orchestrator = generateRecipientKeyPair();
  let recipientId: string;

  beforeAll(async () => {
    mock = await new MockLlmUpstream().start();
    mock.configure({ requiredKey: UPSTREAM_KEY });
    stack = await Stack.start({ env: { SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32' } });
    const tenant = await new ApiClient(stack.gatewayUrl, stack.operatorKey).post<Json>('/v1/tenants', { name: 'victim' });
    tenantId = tenant.body.id as string;
    admin = new ApiClient(stack.gatewayUrl, tenant.body.adminKey as string);
    adminActor = { tenantId, keyId: 'key_forged_admin', role: 'admin', agentId: null };
    const provider = await admin.post<Json>('/v1/providers', { name: 'upstream', type: 'custom', endpoint: `${mock.baseUrl}/v1`, apiKey: UPSTREAM_KEY });
    expect(provider.status).toBe(201);
    secretId = (provider.body.credential as Json).secretId as string;
    await admin.post(`/v1/providers/${provider.body.id}/models`, { name: 'fast', upstreamModel: 'gpt-mock' });
    const agent = await admin.post<Json>('/v1/agents', { name: 'worker', providerId: provider.body.id, model: 'fast' });
    agentId = agent.body.id as string;
    agentKey = (await admin.post<Json>('/v1/keys', { name: 'agent', role: 'agent', agentId })).body.key as string;
    recipientId = (await admin.post<Json>('/v1/recipients', { name: 'orchestrator', publicKey: orchestrator.publicKey })).body.id as string;
    attacker = await connect({ servers: NATS_URL, name: 'attacker' });
  });

  afterAll(async () => {
    await attacker?.drain();
    await stack?.stop();
    if (stack) await deleteEventsStream(stack.names);
    await mock?.stop();
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
    const res = await new ApiClient(stack.gatewayUrl, agentKey).post<Json>('/v1/chat/completions', {
      model: 'fast',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 4,
    });
    expect(res.status).toBe(200);
    expect(mock.calls().at(-1)?.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
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

  it('a forged credential.issued is dropped by the orchestrator client; the real one arrives', async () => {
    const pinned = await new ApiClient(stack.gatewayUrl).get<{ keys: { keyId: string; publicKey: string }[] }>('/v1/credential-issuer');
    expect(pinned.status).toBe(200);
    expect(pinned.body.keys).toEqual([{ keyId: stack.serviceKeys.credentials.keyId, publicKey: stack.serviceKeys.credentials.publicKey }]);

    const received: IssuedCredential[] = [];
    const refused: Refusal[] = [];
    const nc = await connect({ servers: NATS_URL, name: 'orchestrator' });
    const client = await OrchestratorClient.start({
      nc,
      names: stack.names,
      tenantId,
      recipient: { id: recipientId, privateKey: orchestrator.privateKey },
      issuerKeys: pinned.body.keys,
      logger: createLogger('orchestrator', { write: () => undefined }),
      onCredential: (credential) => void received.push(credential),
      onRefused: (refusal) => void refused.push(refusal),
    });
    try {
      // Sealing needs only the recipient's public key, which a member key can list.
      const listed = await admin.get<{ data: Json[] }>('/v1/recipients');
      const publicKey = listed.body.data.find((r) => r.id === recipientId)?.publicKey as string;
      const forger = generateServiceKeyPair();
      const js = jetstream(attacker);
      const forge = async (sign: 'none' | 'own-key' | 'claimed-key') => {
        const startId = newId('start');
        const eventId = newId('event');
        const expiresAt = new Date(Date.now() + 600_000).toISOString();
        const fields = {
          eventId,
          type: 'credential.issued',
          tenantId,
          at: new Date().toISOString(),
          agentId,
          startId,
          recipientId,
          delivery: 'direct',
          provider: { id: 'prv_x', type: 'openai', protocol: 'openai', endpoint: 'https://attacker.example/v1', authMethod: 'bearer', organizationId: null, model: 'gpt' },
          sealed: sealCredential({ baseUrl: 'https://attacker.example/v1', apiKey: 'sk-attacker', expiresAt }, publicKey, { tenantId, agentId, startId, recipientId }),
          expiresAt,
        };
        const sig = signText(loadSigningKey(forger.privateKeyPem).key, credentialIssuedStatement(fields) ?? '');
        const keyId = sign === 'own-key' ? forger.keyId : pinned.body.keys[0]?.keyId;
        const event = sign === 'none' ? fields : { ...fields, signature: { alg: 'Ed25519', keyId, sig } };
        await js.publish(stack.names.event(tenantId, 'credential.issued'), JSON.stringify(event), { msgID: eventId });
      };
      await forge('none');
      await forge('own-key');
      await forge('claimed-key');
      // Nor can it have credentials-service sign one: a start it forges (the real secret, delivered directly, to
      // its own endpoint) carries no providers-service proof and is dropped before issuance.
      const forgedStartId = newId('start');
      await js.publish(
        stack.names.event(tenantId, 'agent.start_requested'),
        JSON.stringify({
          eventId: newId('event'),
          type: 'agent.start_requested',
          tenantId,
          at: new Date().toISOString(),
          agentId,
          startId: forgedStartId,
          recipientId,
          delivery: 'direct',
          provider: { id: 'prv_x', type: 'openai', protocol: 'openai', endpoint: 'https://attacker.example/v1', authMethod: 'bearer', organizationId: null, model: 'gpt', secretId },
        }),
      );
      await eventually(
        async () => refused.length,
        (n) => n >= 3,
        10_000,
      );
      expect(refused.map((r) => r.reason).sort()).toEqual(['bad_signature', 'unknown_issuer_key', 'unsigned']);

      const started = await admin.post<Json>(`/v1/agents/${agentId}/start`, { recipientId });
      expect(started.status).toBe(202);
      await eventually(
        async () => received.length,
        (n) => n >= 1,
        20_000,
      );
      expect(received).toHaveLength(1);
      expect(received[0]).toMatchObject({ startId: started.body.startId, delivery: 'proxy' });
      expect(received[0]?.credential.baseUrl).toBe(`${stack.gatewayUrl}/v1`);
      expect(JSON.stringify(received)).not.toContain('attacker.example');
      // Once the issuer has taken every start off the stream, the forged one has been seen, and decided nothing.
      const jsm = await jetstreamManager(attacker);
      await eventually(
        () => jsm.consumers.info(stack.names.eventsStream, stack.names.durable('credentials-issuer')),
        (info) => info.num_pending === 0 && info.num_ack_pending === 0,
        10_000,
      );
      const decisions = await readStreamMessages(stack.names, stack.names.event(tenantId, 'credential.*'));
      expect(decisions.map((m) => m.data.startId)).toContain(started.body.startId);
      expect(decisions.map((m) => m.data.startId)).not.toContain(forgedStartId);
      expect(received).toHaveLength(1);
    } finally {
      await client.stop();
      await nc.drain();
    }
  });
});
