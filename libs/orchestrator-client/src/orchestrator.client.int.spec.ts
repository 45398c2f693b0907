import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { busNames, credentialIssuedStatement, newId, type CredentialIssuedFields } from '@switchboard/contracts';
import { connectNats, ensureEventsStream, jetStreamClient, publishEvent, type JetStreamClient, type NatsConnection } from '@switchboard/messaging';
import { generateRecipientKeyPair, sealCredential } from '@switchboard/sealing';
import { generateServiceKeyPair, loadSigningKey, signText } from '@switchboard/service-identity';
import { createLogger } from '@switchboard/telemetry';
import type { DeniedCredential, IssuedCredential, Refusal } from './credential-event.opener.js';
import { OrchestratorClient } from './orchestrator.client.js';

const names = busNames(`t${randomBytes(5).toString('hex')}`);
const cfg = { url: process.env['NATS_URL'] || 'nats://127.0.0.1:4222', namespace: names.namespace, name: 'orchestrator-client-spec' };
const tenantId = newId('tenant');
const recipientId = newId('recipient');
const recipient = generateRecipientKeyPair();
const issuer = generateServiceKeyPair();
const provider: CredentialIssuedFields['provider'] = {
  id: 'prv_1',
  type: 'anthropic',
  protocol: 'anthropic_messages',
  endpoint: 'https://api.anthropic.com/v1',
  authMethod: 'x_api_key',
  organizationId: null,
  model: 'claude',
};

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('OrchestratorClient on real NATS', () => {
  let nc: NatsConnection;
  let js: JetStreamClient;
  const credentials: IssuedCredential[] = [];
  const denials: DeniedCredential[] = [];
  const refusals: Refusal[] = [];
  const logLines: string[] = [];

  /** A credential.issued event as credentials-service publishes it, sealed with sealCredential and signed (unless `unsigned`). */
  async function publishIssued(options: { agentId?: string; to?: string; apiKey?: string; baseUrl?: string; unsigned?: boolean } = {}) {
    const agentId = options.agentId ?? newId('agent');
    const startId = newId('start');
    const eventId = newId('event');
    const to = options.to ?? recipientId;
    const expiresAt = new Date(Date.now() + 600_000).toISOString();
    const payload = { baseUrl: options.baseUrl ?? provider.endpoint, apiKey: options.apiKey ?? 'sk-ant-secret', expiresAt };
    const fields = {
      eventId,
      type: 'credential.issued',
      tenantId,
      at: new Date().toISOString(),
      agentId,
      startId,
      recipientId: to,
      delivery: 'direct',
      provider,
      sealed: sealCredential(payload, recipient.publicKey, { tenantId, agentId, startId, recipientId: to }),
      expiresAt,
    };
    const statement = credentialIssuedStatement(fields) ?? '';
    const signature = { alg: 'Ed25519', keyId: issuer.keyId, sig: signText(loadSigningKey(issuer.privateKeyPem).key, statement) };
    const event = options.unsigned ? fields : { ...fields, signature };
    await publishEvent(js, names.event(tenantId, 'credential.issued'), JSON.stringify(event), { msgId: eventId });
    return event;
  }

  const start = () =>
    OrchestratorClient.start({
      nc,
      names,
      tenantId,
      recipient: { id: recipientId, privateKey: recipient.privateKey },
      issuerKeys: [{ keyId: issuer.keyId, publicKey: issuer.publicKey }],
      logger: createLogger('orchestrator-client-spec', { write: (line) => void logLines.push(line) }),
      onCredential: (credential) => {
        credentials.push(credential);
      },
      onDenied: (denial) => {
        denials.push(denial);
      },
      onRefused: (refusal) => refusals.push(refusal),
    });

  beforeAll(async () => {
    nc = await connectNats(cfg);
    js = jetStreamClient(nc);
    await ensureEventsStream(nc, names);
  });

  afterAll(async () => {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(names.eventsStream).catch(() => false);
    await nc.close();
  });

  it('opens credentials sealed to its recipient, refuses others and replays, and resumes where it stopped', async () => {
    const client = await start();
    try {
      const mine = await publishIssued({ agentId: 'agt_mine' });
      await waitFor(() => credentials.length === 1);
      expect(credentials[0]).toMatchObject({
        eventId: mine.eventId,
        agentId: 'agt_mine',
        startId: mine.startId,
        delivery: 'direct',
        credential: { apiKey: 'sk-ant-secret' },
        environment: { ANTHROPIC_BASE_URL: 'https://api.anthropic.com', ANTHROPIC_API_KEY: 'sk-ant-secret', SWITCHBOARD_AGENT_ID: 'agt_mine' },
      });

      await publishIssued({ to: newId('recipient') });
      // The same event again under a new message id, as a replaying attacker or a duplicate issue would send it.
      await publishEvent(js, names.event(tenantId, 'credential.issued'), JSON.stringify({ ...mine }), { msgId: newId('event') });
      // A credential anyone can seal to this recipient, sending the agent to an attacker: dropped, with the reason logged.
      const forged = await publishIssued({ baseUrl: 'https://attacker.example/v1', apiKey: 'sk-attacker', unsigned: true });
      await waitFor(() => refusals.length === 3);
      expect(refusals.map((r) => r.reason)).toEqual(['other_recipient', 'replay', 'unsigned']);
      expect(credentials).toHaveLength(1);
      const dropped = logLines.find((line) => line.includes(forged.eventId));
      expect(dropped).toContain('credential event dropped');
      expect(dropped).toContain('unsigned');

      const denial = { eventId: newId('event'), type: 'credential.denied', tenantId, at: new Date().toISOString(), agentId: 'agt_x', startId: newId('start'), reason: 'unknown_recipient' };
      await publishEvent(js, names.event(tenantId, 'credential.denied'), JSON.stringify(denial), { msgId: denial.eventId });
      await waitFor(() => denials.length === 1);
      expect(denials[0]).toEqual({ eventId: denial.eventId, agentId: 'agt_x', startId: denial.startId, reason: 'unknown_recipient' });
    } finally {
      await client.stop();
    }

    // Issued while the orchestrator was down: delivered when it comes back, and nothing handled before is.
    const whileDown = await publishIssued({ agentId: 'agt_late', apiKey: 'sk-ant-late' });
    const again = await start();
    try {
      await waitFor(() => credentials.length === 2);
      expect(credentials[1]).toMatchObject({ eventId: whileDown.eventId, agentId: 'agt_late', credential: { apiKey: 'sk-ant-late' } });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(credentials).toHaveLength(2);
      expect(denials).toHaveLength(1);
    } finally {
      await again.stop();
    }
  });
});
