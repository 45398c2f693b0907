import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { credentialIssuedStatement, newId } from '@switchboard/contracts';
import { OrchestratorClient, type IssuedCredential, type Refusal } from '@switchboard/orchestrator-client';
import { sealCredential } from '@switchboard/sealing';
import { generateServiceKeyPair, loadSigningKey, signText } from '@switchboard/service-identity';
import { ApiClient, eventually, readStreamMessages } from '@switchboard/testing';
import { createLogger } from '@switchboard/telemetry';
import { startVictimTenant, type VictimTenant } from './fixtures/victim-tenant.js';

type Json = Record<string, unknown>;
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

/**
 * What an orchestrator receives is authenticated as well as sealed: sealing needs only the recipient's public
 * key, which any member can list, so a process on the bus could otherwise hand an agent any credential.
 */
describe('trust in credential.issued: forgeries from a process that merely reaches NATS', () => {
  let v: VictimTenant;

  beforeAll(async () => {
    v = await startVictimTenant();
  });

  afterAll(async () => {
    await v?.stop();
  });

  it('a forged credential.issued is dropped by the orchestrator client; the real one arrives', async () => {
    const { stack, admin, attacker, tenantId, agentId, recipientId, secretId, orchestrator } = v;
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
