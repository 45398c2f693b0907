import { CredentialPlaintext } from '@switchboard/contracts';
import { generateRecipientKeyPair, openCredential, type SealedCredential } from '@switchboard/sealing';
import { ApiClient, Stack, deleteEventsStream, eventually, readStreamMessages, type StreamMessage } from '@switchboard/testing';

type Json = Record<string, unknown>;
interface ErrorBody {
  error: { code: string; message: string; dependents?: unknown };
}

describe('secrets, recipients and sealed credentials at agent start', () => {
  let stack: Stack;
  let admin: ApiClient;
  let member: ApiClient;
  let tenantId: string;
  const orchestrator = generateRecipientKeyPair();
  let recipientId: string;

  beforeAll(async () => {
    // Endpoints are checked when saved; the header-auth provider below points at loopback.
    stack = await Stack.start({ env: { SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32' } });
    const tenant = await new ApiClient(stack.gatewayUrl, stack.operatorKey).post<Json>('/v1/tenants', { name: 'keys' });
    tenantId = tenant.body.id as string;
    admin = new ApiClient(stack.gatewayUrl, tenant.body.adminKey as string);
    const memberKey = await admin.post<Json>('/v1/keys', { name: 'reader', role: 'member' });
    member = new ApiClient(stack.gatewayUrl, memberKey.body.key as string);
    const recipient = await admin.post<Json>('/v1/recipients', { name: 'orchestrator', publicKey: orchestrator.publicKey });
    expect(recipient.status).toBe(201);
    recipientId = recipient.body.id as string;
  });

  afterAll(async () => {
    await stack?.stop();
    if (stack) await deleteEventsStream(stack.names);
  });

  /** Waits for the credential.issued or credential.denied event of one start. */
  async function outcomeOf(startId: string): Promise<StreamMessage> {
    const found = await eventually(
      () => readStreamMessages(stack.names, stack.names.event(tenantId, 'credential.*')),
      (msgs) => msgs.some((m) => m.data.startId === startId),
      20_000,
    );
    const message = found.find((m) => m.data.startId === startId);
    if (!message) throw new Error(`no credential event for start ${startId}`);
    return message;
  }

  function open(message: StreamMessage): CredentialPlaintext {
    const data = message.data;
    const opened = openCredential(data.sealed as SealedCredential, orchestrator.privateKey, {
      tenantId,
      agentId: data.agentId as string,
      startId: data.startId as string,
      recipientId: data.recipientId as string,
    });
    if (!opened.ok) throw new Error(opened.error.message);
    return CredentialPlaintext.parse(JSON.parse(opened.value.toString('utf8')));
  }

  it('keeps secret values write-only: create, read, rotate, reveal, delete', async () => {
    const created = await admin.post<Json>('/v1/secrets', { name: 'openai', value: 'sk-live-abcdefghijklmnopqrstuvwxyzF9Qa' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      name: 'openai',
      kind: 'api_key',
      version: 1,
      fingerprint: expect.any(String),
      hint: expect.stringMatching(/F9Qa$/),
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(created.text).not.toContain('abcdefghijklmnop');
    const id = created.body.id as string;
    const read = await member.get<Json>(`/v1/secrets/${id}`);
    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe('"1"');
    expect(read.body).toMatchObject({ id, version: 1, hint: created.body.hint, fingerprint: created.body.fingerprint });

    const rotated = await admin.put<Json>(`/v1/secrets/${id}`, { value: 'sk-live-zyxwvutsrqponmlkjihgfedcbaZZ11' }, { headers: { 'if-match': '"1"' } });
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({ version: 2, hint: expect.stringMatching(/ZZ11$/) });
    expect(rotated.body.fingerprint).not.toBe(created.body.fingerprint);
    const stale = await admin.put<ErrorBody>(`/v1/secrets/${id}`, { value: 'sk-other' }, { headers: { 'if-match': '"1"' } });
    expect(stale.status).toBe(412);

    const revealed = await admin.post<Json>(`/v1/secrets/${id}/reveal`);
    expect(revealed.status).toBe(200);
    expect(revealed.body).toEqual({ value: 'sk-live-zyxwvutsrqponmlkjihgfedcbaZZ11' });
    expect((await member.post<ErrorBody>(`/v1/secrets/${id}/reveal`)).status).toBe(403);
    const audit = await eventually(
      () => readStreamMessages(stack.names, stack.names.event(tenantId, 'secret.revealed')),
      (msgs) => msgs.length > 0,
    );
    expect(audit[0].data).toMatchObject({ secretId: id, version: 2, revealedBy: expect.any(String) });

    const provider = await admin.post<Json>('/v1/providers', { name: 'uses-secret', type: 'openai', secretId: id });
    expect(provider.status).toBe(201);
    expect(provider.body.credential).toEqual({ secretId: id, hint: rotated.body.hint, version: 2 });
    const inUse = await admin.delete<ErrorBody>(`/v1/secrets/${id}`);
    expect(inUse.status).toBe(409);
    expect(inUse.body.error.code).toBe('secret_in_use');
    expect(JSON.stringify(inUse.body.error.dependents)).toContain(provider.body.id as string);
    expect((await admin.delete(`/v1/providers/${provider.body.id}`)).status).toBe(204);
    expect((await admin.delete(`/v1/secrets/${id}`)).status).toBe(204);
    expect((await admin.get(`/v1/secrets/${id}`)).status).toBe(404);
  });

  it('stores an apiKey given with a provider as a secret and shows only its hint', async () => {
    const provider = await admin.post<Json>('/v1/providers', { name: 'inline-key', type: 'anthropic', apiKey: 'sk-ant-inline-0123456789WXYZ' });
    expect(provider.status).toBe(201);
    expect(provider.text).not.toContain('inline-0123456789');
    expect(provider.body.credential).toEqual({ secretId: expect.any(String), hint: expect.stringMatching(/WXYZ$/), version: 1 });
    const headers = await admin.post<Json>('/v1/providers', {
      name: 'header-auth',
      type: 'custom',
      endpoint: 'http://127.0.0.1:9/v1',
      authMethod: 'custom_headers',
      customHeaders: { 'X-Api-Key': 'hdr-secret-value-1234', 'X-Org': 'acme' },
    });
    expect(headers.status).toBe(201);
    expect(headers.text).not.toContain('hdr-secret-value');
  });

  it('issues a direct credential sealed to the recipient, holding the provider key', async () => {
    const provider = await admin.post<Json>('/v1/providers', { name: 'direct-p', type: 'openai', apiKey: 'sk-direct-key-000111222333' });
    const agent = await admin.post<Json>('/v1/agents', { name: 'direct-agent', providerId: provider.body.id, model: 'gpt-4o', delivery: 'direct' });
    const start = await admin.post<Json>(`/v1/agents/${agent.body.id}/start`, { recipientId });
    expect(start.status).toBe(202);
    const startId = start.body.startId as string;
    const issued = await outcomeOf(startId);
    expect(issued.subject).toBe(stack.names.event(tenantId, 'credential.issued'));
    expect(issued.data).toMatchObject({
      type: 'credential.issued',
      tenantId,
      agentId: agent.body.id,
      startId,
      recipientId,
      delivery: 'direct',
      provider: { id: provider.body.id, type: 'openai', protocol: 'openai', endpoint: 'https://api.openai.com/v1', authMethod: 'bearer', model: 'gpt-4o' },
      sealed: { alg: 'X25519-HKDF-SHA256-A256GCM' },
      expiresAt: expect.any(String),
    });
    expect(issued.raw).not.toContain('sk-direct-key');
    expect(open(issued)).toMatchObject({ baseUrl: 'https://api.openai.com/v1', apiKey: 'sk-direct-key-000111222333' });

    const intruder = generateRecipientKeyPair();
    const data = issued.data;
    const stolen = openCredential(data.sealed as SealedCredential, intruder.privateKey, {
      tenantId,
      agentId: data.agentId as string,
      startId,
      recipientId,
    });
    expect(stolen.ok).toBe(false);
  });

  it('issues a proxy credential: a scoped agent key that stop revokes', async () => {
    const provider = await admin.post<Json>('/v1/providers', { name: 'proxy-p', type: 'openai', apiKey: 'sk-proxy-upstream-999888777' });
    const agent = await admin.post<Json>('/v1/agents', { name: 'proxy-agent', providerId: provider.body.id });
    const start = await admin.post<Json>(`/v1/agents/${agent.body.id}/start`, { recipientId });
    const issued = await outcomeOf(start.body.startId as string);
    expect(issued.data.delivery).toBe('proxy');
    const credential = open(issued);
    expect(credential).toMatchObject({ baseUrl: `${stack.gatewayUrl}/v1`, apiKey: expect.stringMatching(/^sbk_/) });
    expect(JSON.stringify(credential)).not.toContain('sk-proxy-upstream');
    const agentClient = new ApiClient(stack.gatewayUrl, 'apiKey' in credential ? credential.apiKey : '');
    // An agent key is live but scoped: management routes answer 403, not 401.
    expect((await agentClient.get('/v1/providers')).status).toBe(403);

    expect((await admin.post(`/v1/agents/${agent.body.id}/stop`)).status).toBe(202);
    const revoked = await eventually(
      () => agentClient.get('/v1/providers'),
      (r) => r.status === 401,
    );
    expect(revoked.status).toBe(401);
  });

  it('denies a start with a reason: unknown recipient, no credentials', async () => {
    const keyed = await admin.post<Json>('/v1/providers', { name: 'deny-p', type: 'openai', apiKey: 'sk-deny-0000111122223333' });
    const agent = await admin.post<Json>('/v1/agents', { name: 'deny-agent', providerId: keyed.body.id });
    const unknown = await admin.post<Json>(`/v1/agents/${agent.body.id}/start`, { recipientId: 'rcp_00000000000000000000' });
    expect(unknown.status).toBe(202);
    const denied = await outcomeOf(unknown.body.startId as string);
    expect(denied.subject).toBe(stack.names.event(tenantId, 'credential.denied'));
    expect(denied.data).toMatchObject({ type: 'credential.denied', agentId: agent.body.id, reason: 'unknown_recipient' });

    const keyless = await admin.post<Json>('/v1/providers', { name: 'keyless', type: 'openai' });
    const lonely = await admin.post<Json>('/v1/agents', { name: 'lonely', providerId: keyless.body.id, delivery: 'direct' });
    const start = await admin.post<Json>(`/v1/agents/${lonely.body.id}/start`, { recipientId });
    expect((await outcomeOf(start.body.startId as string)).data.reason).toBe('no_credentials');
  });

  it('rejects bad recipient keys and bad start bodies with 400', async () => {
    for (const publicKey of ['', 'not-base64!', Buffer.alloc(31).toString('base64'), Buffer.alloc(32).toString('base64')]) {
      const res = await admin.post<ErrorBody>('/v1/recipients', { name: 'bad', publicKey });
      expect([publicKey, res.status]).toEqual([publicKey, 400]);
    }
    const agents = await admin.get<{ data: Json[] }>('/v1/agents');
    const res = await admin.post<ErrorBody>(`/v1/agents/${agents.body.data[0].id}/start`, {});
    expect(res.status).toBe(400);
  });
});
