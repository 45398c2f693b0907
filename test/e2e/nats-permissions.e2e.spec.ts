import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthorizationError, PermissionViolationError, connect, type NatsConnection } from '@nats-io/transport-node';
import { CredentialIssuerView, CredentialsOps, SERVICE_NAMES, busNames } from '@switchboard/contracts';
import { connectNats, natsConfigFromEnv } from '@switchboard/messaging';
import { OrchestratorClient, type IssuedCredential } from '@switchboard/orchestrator-client';
import { generateRecipientKeyPair } from '@switchboard/sealing';
import {
  ApiClient,
  MockLlmUpstream,
  NatsServer,
  REPO_ROOT,
  SERVICES,
  Stack,
  createTestCertificates,
  eventually,
  identityNameOf,
  type TestCertificates,
} from '@switchboard/testing';

type Json = Record<string, unknown>;

/** The users of deploy/nats/permissions.conf: one per service, and the orchestrators'. */
const USERS = [...SERVICE_NAMES, 'orchestrator'] as const;
type User = (typeof USERS)[number];
const UPSTREAM_KEY = 'sk-upstream-perms-0123456789';

/**
 * A private nats-server run from deploy/'s generated permissions (TLS with a CA made for the test, one password
 * per user, given to the server through its environment as in production), then the real services, each as
 * its own NATS user on the production subjects (no namespace).
 */
describe('NATS users and permissions generated from the access lists', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-nats-perms-'));
  // nats-server parses `$VAR` values as configuration values: a letter first, then hex, is always a string.
  const passwords = Object.fromEntries(USERS.map((user) => [user, `p${randomBytes(24).toString('hex')}`])) as Record<User, string>;
  const connections: NatsConnection[] = [];
  let certs: TestCertificates;
  let nats: NatsServer;

  /** What a process running as `user` gets: its user and password file, its inbox prefix, the CA and a tls:// URL. */
  const natsEnv = (user: User): Record<string, string> => ({
    NATS_URL: nats.url,
    NATS_USER: user,
    NATS_PASSWORD_FILE: join(dir, `${user}.password`),
    NATS_TLS_CA_FILE: certs.caFile,
    NATS_INBOX_PREFIX: `_INBOX_${user}`,
  });

  async function connectAs(user: User): Promise<NatsConnection> {
    const nc = await connectNats(natsConfigFromEnv(`e2e-${user}`, natsEnv(user)));
    connections.push(nc);
    return nc;
  }

  beforeAll(async () => {
    certs = createTestCertificates(join(dir, 'tls'));
    for (const user of USERS) writeFileSync(join(dir, `${user}.password`), `${passwords[user]}\n`, { mode: 0o600 });
    nats = await new NatsServer({
      config: `include permissions.conf\ntls { cert_file: ${JSON.stringify(certs.certFile)}, key_file: ${JSON.stringify(certs.keyFile)}, timeout: 2 }`,
      files: { 'permissions.conf': join(REPO_ROOT, 'deploy', 'nats', 'permissions.conf') },
      env: Object.fromEntries(USERS.map((user) => [`NATS_${user.toUpperCase()}_PASSWORD`, passwords[user]])),
      tls: true,
    }).start();
  });

  afterAll(async () => {
    await Promise.all(connections.map((nc) => nc.close()));
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses anonymous clients, a wrong password and clients that cannot verify the server', async () => {
    await expect(connect({ servers: nats.url, tls: { caFile: certs.caFile } })).rejects.toBeInstanceOf(AuthorizationError);
    await expect(connect({ servers: nats.url, tls: { caFile: certs.caFile }, user: 'usage', pass: passwords.gateway })).rejects.toBeInstanceOf(
      AuthorizationError,
    );
    await expect(connect({ servers: nats.url, user: 'usage', pass: passwords.usage })).rejects.toThrow(/certificate/);
  });

  it('refuses the usage user every request to credentials-service but the webhook-secret ones: the server drops them, and it may not listen there either', async () => {
    const subjects = Object.values(CredentialsOps).map((op) => `sb.${op.subject}`);
    const credentials = await connectAs('credentials');
    const received: string[] = [];
    for (const subject of subjects) credentials.subscribe(subject, { callback: (_, msg) => void received.push(`${msg.subject} ${msg.string()}`) });
    await credentials.flush();

    const usage = await connectAs('usage');
    for (const subject of subjects) {
      await expect(usage.request(subject, '{"from":"usage"}', { timeout: 2_000 })).rejects.toThrow(`Permissions Violation for Publish to "${subject}"`);
    }
    const listening = usage.subscribe('sb.credentials.v1.>');
    const ended = (async () => {
      for await (const _ of listening) throw new Error('the usage user received a credentials request');
    })();
    await expect(ended).rejects.toBeInstanceOf(PermissionViolationError);

    // The same message from the gateway, whose user may call the operation, arrives: the silence above is the server's refusal.
    const gateway = await connectAs('gateway');
    gateway.publish('sb.credentials.v1.secret.reveal', '{"from":"gateway"}');
    await gateway.flush();
    await eventually(async () => received.length, (n) => n > 0, 5_000);
    expect(received).toEqual(['sb.credentials.v1.secret.reveal {"from":"gateway"}']);
    expect(nats.log()).toContain('Publish Violation - User "usage", Subject "sb.credentials.v1.secret.reveal"');
    // Closed before the services start, so that this listener takes none of their requests.
    await Promise.all(connections.splice(0).map((nc) => nc.close()));
  });

  describe('the four services, each as its own user', () => {
    let mock: MockLlmUpstream;
    let stack: Stack | null = null;
    let loggedBefore = 0;

    beforeAll(async () => {
      mock = await new MockLlmUpstream().start();
      mock.configure({ requiredKey: UPSTREAM_KEY });
      loggedBefore = nats.log().length;
      // Two gateways: the second one's first count of a minute meets the first one's and reads it back.
      stack = await Stack.start({
        namespace: '',
        replicas: { gateway: 2 },
        env: { SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32' },
        serviceEnv: Object.fromEntries(SERVICES.map((service) => [service, natsEnv(identityNameOf(service))])),
      });
    });

    afterAll(async () => {
      await stack?.stop();
      await mock?.stop();
    });

    it('proxy chat completions with a credential issued at agent start, without a permission violation', async () => {
      const running = stack as Stack;
      const tenant = await new ApiClient(running.gatewayUrl, running.operatorKey).post<Json>('/v1/tenants', { name: 'nats-permissions' });
      expect(tenant.status).toBe(201);
      const tenantId = tenant.body.id as string;
      const admin = new ApiClient(running.gatewayUrl, tenant.body.adminKey as string);
      // An RPM limit (the KV bucket) and a budget (admission on usage-service) put every grant of the proxy path to use.
      const provider = await admin.post<Json>('/v1/providers', {
        name: 'mock',
        type: 'custom',
        endpoint: `${mock.baseUrl}/v1`,
        apiKey: UPSTREAM_KEY,
        rateLimitRpm: 100,
        monthlyBudgetUsd: 10,
      });
      expect(provider.status).toBe(201);
      const model = await admin.post(`/v1/providers/${provider.body.id}/models`, { name: 'fast', upstreamModel: 'gpt-mock', inputUsdPerMTok: 1, outputUsdPerMTok: 1 });
      expect(model.status).toBe(201);
      const agent = await admin.post<Json>('/v1/agents', { name: 'agent', providerId: provider.body.id, model: 'fast' });
      const orchestrator = generateRecipientKeyPair();
      const recipient = await admin.post<Json>('/v1/recipients', { name: 'orchestrator', publicKey: orchestrator.publicKey });
      expect(recipient.status).toBe(201);
      // A webhook: usage-service asks credentials-service for its secret (made, then destroyed on delete).
      const webhook = await admin.post<Json>('/v1/webhooks', { url: `${mock.baseUrl}/hooks`, events: ['alert.raised'] });
      expect(webhook.status).toBe(201);
      expect((await admin.delete(`/v1/webhooks/${webhook.body.id as string}`)).status).toBe(204);

      const issuer = CredentialIssuerView.parse(await (await fetch(`${running.gatewayUrl}/v1/credential-issuer`)).json());
      const issued: IssuedCredential[] = [];
      const client = await OrchestratorClient.start({
        nc: await connectAs('orchestrator'),
        names: busNames(''),
        tenantId,
        recipient: { id: recipient.body.id as string, privateKey: orchestrator.privateKey },
        issuerKeys: issuer.keys,
        onCredential: (credential) => void issued.push(credential),
      });
      try {
        const start = await admin.post<Json>(`/v1/agents/${agent.body.id}/start`, { recipientId: recipient.body.id });
        expect(start.status).toBe(202);
        await eventually(async () => issued.length, (n) => n > 0, 20_000);
      } finally {
        await client.stop();
      }
      expect(issued[0]).toMatchObject({ agentId: agent.body.id, startId: expect.any(String), delivery: 'proxy' });
      const credential = issued[0]?.credential;
      if (!credential || !('apiKey' in credential)) throw new Error('a proxy credential carries an agent key');

      expect(credential.baseUrl).toBe(`${running.gatewayUrl}/v1`);
      for (const gateway of running.gatewayUrls) {
        const chat = await fetch(`${gateway}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${credential.apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 }),
        });
        expect(chat.status).toBe(200);
        expect(((await chat.json()) as { usage: Json }).usage).toMatchObject({ completion_tokens: 8 });
      }
      expect(mock.calls().filter((call) => call.endpoint === 'chat_completions')).toHaveLength(2);
      const usage = await eventually(
        async () => (await admin.get<{ data: Json[] }>('/v1/usage?groupBy=agent')).body?.data?.[0],
        (row) => row?.['requests'] === 2,
        15_000,
      );
      expect(usage).toMatchObject({ key: agent.body.id, requests: 2, outputTokens: 16 });

      // Stopped here so that shutting down is checked too.
      await running.stop();
      stack = null;
      const violations = nats
        .log()
        .slice(loggedBefore)
        .split('\n')
        .filter((line) => line.includes('Violation'));
      expect(violations).toEqual([]);
    });
  });
});
