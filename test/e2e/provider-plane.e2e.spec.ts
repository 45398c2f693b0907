import OpenAI from 'openai';
import { generateRecipientKeyPair } from '@switchboard/sealing';
import { ApiClient, MockLlmUpstream, Stack, eventually, readStreamMessages } from '@switchboard/testing';
import { startMockTenantStack, stopMockTenantStack, type MockTenantStack } from './fixtures/mock-tenant-stack.js';

type Json = Record<string, unknown>;
const RIGHT_KEY = 'sk-right-0123456789abcdef';
const WRONG_KEY = 'sk-wrong-0123456789abcdef';

/**
 * The provider plane as a new user meets it, on the whole stack with the official openai client: honest feedback
 * on a wrong key, a credential changed in place, a Test that speaks each model family's dialect, paged discovery,
 * a delete preview and a default model that always names a model.
 */
describe('the provider plane as its users meet it', () => {
  let mock: MockLlmUpstream;
  let stack: Stack;
  let admin: ApiClient;
  let tenantId: string;

  let started: MockTenantStack | undefined;

  beforeAll(async () => {
    started = await startMockTenantStack('plane');
    ({ mock, stack, admin, tenantId } = started);
  });

  afterAll(() => stopMockTenantStack(started));

  beforeEach(() => mock.configure({ requiredKey: null, models: ['gpt-mock', 'claude-mock'], modelsPageLimit: 1000, interChunkDelayMs: 0, chunks: 4 }));

  const openai = (key: string) => new OpenAI({ apiKey: key, baseURL: `${stack.gatewayUrl}/v1`, maxRetries: 0 });
  const ask = (key: string, model = 'gpt-mock') => openai(key).chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 });

  async function agentFor(providerId: string, name: string, model?: string): Promise<{ agentId: string; key: string }> {
    const agent = await admin.post<Json>('/v1/agents', { name, providerId, ...(model === undefined ? {} : { model }) });
    expect(agent.status).toBe(201);
    const key = (await admin.post<Json>('/v1/keys', { name: `${name}-key`, role: 'agent', agentId: agent.body.id })).body.key as string;
    return { agentId: agent.body.id as string, key };
  }

  const provider = async (id: string) => (await admin.get<Json>(`/v1/providers/${id}`)).body;
  const stateOf = async (id: string) => ((await provider(id))['credentialStatus'] as Json)['state'];

  it('shows a rejected key, names it on an agent call, and takes the right key by PATCH', async () => {
    mock.configure({ requiredKey: RIGHT_KEY });
    const created = await admin.post<Json>('/v1/providers', { name: 'wrong-key', type: 'custom', endpoint: `${mock.baseUrl}/v1`, apiKey: WRONG_KEY });
    expect(created.status).toBe(201);
    expect(created.body['credentialStatus']).toMatchObject({ state: 'unchecked' });
    const providerId = created.body.id as string;
    expect(await eventually(() => stateOf(providerId), (state) => state === 'rejected', 10_000)).toBe('rejected');
    expect((await provider(providerId))['credentialStatus']).toMatchObject({ detail: 'rejected by the upstream (401) when models were discovered' });
    const checked = await eventually(
      () => readStreamMessages(stack.names, stack.names.event(tenantId, 'provider.credential-checked')),
      (messages) => messages.some((m) => m.data['providerId'] === providerId),
      10_000,
    );
    expect(checked.find((m) => m.data['providerId'] === providerId)?.data).toMatchObject({ state: 'rejected', source: 'discovery' });
    expect(JSON.stringify(checked.map((m) => m.data))).not.toContain(WRONG_KEY);

    const { key } = await agentFor(providerId, 'wrong-key-agent');
    const refused = await ask(key).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(OpenAI.NotFoundError);
    expect((refused as Error).message).toContain('its key was rejected by the upstream (401) when models were discovered');

    const etag = (await admin.get<Json>(`/v1/providers/${providerId}`)).headers.get('etag');
    const patched = await admin.patch<Json>(`/v1/providers/${providerId}`, { apiKey: RIGHT_KEY }, { headers: { 'if-match': String(etag) } });
    expect(patched.status).toBe(200);
    expect(JSON.stringify(patched.body)).not.toContain(RIGHT_KEY);
    expect(await eventually(() => stateOf(providerId), (state) => state === 'valid', 10_000)).toBe('valid');
    const answer = await eventually(
      () => ask(key).catch(() => null),
      (found) => found !== null,
      10_000,
    );
    expect(answer?.choices[0]?.message.content).toEqual(expect.any(String));
    expect(mock.calls().at(-1)?.headers['authorization']).toBe(`Bearer ${RIGHT_KEY}`);
    // The secret made for the wrong key went with it.
    const secrets = (await admin.get<{ data: Json[] }>('/v1/secrets')).body.data;
    expect(secrets.filter((s) => String(s['name']).startsWith('wrong-key '))).toHaveLength(1);
  });

  it('lets a stream started before a key change finish on the old key while a call after it uses the new one', async () => {
    mock.configure({ interChunkDelayMs: 150, chunks: 10, reply: 'one two three four five six seven eight nine ten' });
    const created = await admin.post<Json>('/v1/providers', { name: 'rotating', type: 'custom', endpoint: `${mock.baseUrl}/v1`, apiKey: 'sk-old-0123456789' });
    const providerId = created.body.id as string;
    await admin.post(`/v1/providers/${providerId}/models`, { name: 'm', upstreamModel: 'gpt-mock' });
    const { key } = await agentFor(providerId, 'rotating-agent');

    const stream = await openai(key).chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'count' }], stream: true });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    expect((await admin.patch<Json>(`/v1/providers/${providerId}`, { apiKey: 'sk-new-0123456789' })).status).toBe(200);
    const after = await ask(key, 'm');
    expect(after.choices[0]?.message.content).toEqual(expect.any(String));
    let rest = '';
    for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) rest += next.value.choices[0]?.delta?.content ?? '';
    expect(rest.length).toBeGreaterThan(0);

    const calls = mock.calls().filter((c) => c.endpoint === 'chat_completions').slice(-2);
    expect(calls.map((c) => [c.stream, c.headers['authorization']])).toEqual([
      [true, 'Bearer sk-old-0123456789'],
      [false, 'Bearer sk-new-0123456789'],
    ]);
    expect(calls[0]?.status).toBe(200);
  });

  it('refuses an auth method that does not fit the credential, and takes it with the fitting one in the same PATCH', async () => {
    const created = await admin.post<Json>('/v1/providers', { name: 'auth', type: 'custom', endpoint: `${mock.baseUrl}/v1`, apiKey: 'sk-auth-0123456789' });
    const providerId = created.body.id as string;
    await admin.post(`/v1/providers/${providerId}/models`, { name: 'm', upstreamModel: 'gpt-mock' });
    // Discovery, run by the saved key, has picked the default model: nothing else changes the provider from here.
    const before = await eventually(() => provider(providerId), (view) => view['defaultModel'] !== null, 10_000);

    const misfit = await admin.patch<Json>(`/v1/providers/${providerId}`, { authMethod: 'custom_headers' });
    expect(misfit.status).toBe(400);
    expect(JSON.stringify(misfit.body)).toMatch(/authMethod custom_headers needs a header map.*is an API key/);
    const keyForHeaders = await admin.patch<Json>(`/v1/providers/${providerId}`, { authMethod: 'custom_headers', apiKey: 'sk-x-0123456789' });
    expect(keyForHeaders.status).toBe(400);
    expect(await provider(providerId)).toMatchObject({ version: before['version'], authMethod: 'bearer', credential: before['credential'] });

    const fitting = await admin.patch<Json>(`/v1/providers/${providerId}`, { authMethod: 'custom_headers', customHeaders: { authorization: 'Bearer sk-header-0123456789' } });
    expect(fitting.status).toBe(200);
    expect(fitting.body).toMatchObject({ authMethod: 'custom_headers' });
    const { key } = await agentFor(providerId, 'auth-agent');
    expect((await ask(key, 'm')).choices.length).toBe(1);
    expect(mock.calls().at(-1)?.headers['authorization']).toBe('Bearer sk-header-0123456789');
  });

  it('tests a reasoning model with max_completion_tokens, and reports the upstream refusal in its words', async () => {
    const created = await admin.post<Json>('/v1/providers', { name: 'reasoning', type: 'custom', endpoint: `${mock.baseUrl}/v1`, apiKey: 'sk-o-0123456789' });
    const providerId = created.body.id as string;
    const model = await admin.post<Json>(`/v1/providers/${providerId}/models`, { name: 'o3-mini' });
    const tested = await admin.post<Json>(`/v1/models/${model.body.id}/test`);
    expect(tested.body).toMatchObject({ ok: true });
    expect(mock.calls().at(-1)?.body).toMatchObject({ model: 'o3-mini', max_completion_tokens: 1 });
    expect((mock.calls().at(-1)?.body as Json)['max_tokens']).toBeUndefined();
    // The same model asked the old way is refused by the mock as OpenAI refuses it: the proxy passes the reason on.
    const { key } = await agentFor(providerId, 'reasoning-agent');
    const refused = await ask(key, 'o3-mini').catch((error: unknown) => error as Error);
    expect((refused as Error).message).toContain("'max_tokens' is not supported with this model");
    expect(await eventually(() => stateOf(providerId), (state) => state === 'valid', 10_000)).toBe('valid');
  });

  it('discovers every page of an Anthropic model list and picks a default model that agents without one use', async () => {
    const names = Array.from({ length: 45 }, (_, i) => `claude-mock-${String(i).padStart(2, '0')}`);
    mock.configure({ models: names, modelsPageLimit: 20 });
    const listingsBefore = mock.calls().filter((c) => c.endpoint === 'models').length;
    const created = await admin.post<Json>('/v1/providers', {
      name: 'paged',
      type: 'custom',
      endpoint: `${mock.baseUrl}/v1`,
      protocol: 'anthropic_messages',
      authMethod: 'x_api_key',
      apiKey: 'sk-ant-0123456789',
    });
    const providerId = created.body.id as string;
    const discovered = await eventually(
      async () => (await admin.get<{ data: Json[] }>(`/v1/providers/${providerId}/models?limit=1000`)).body.data,
      (models) => models.length === names.length,
      10_000,
    );
    expect(discovered.map((m) => m['upstreamModel']).sort()).toEqual(names);
    // Twenty, twenty and five: three pages, each asked for after the last id of the one before.
    expect(mock.calls().filter((c) => c.endpoint === 'models').length - listingsBefore).toBe(3);
    // Every listed model has the same date: the first by name is the default.
    const picked = await eventually(async () => (await provider(providerId))['defaultModel'], (model) => model !== null, 10_000);
    expect(picked).toBe('claude-mock-00');

    const { agentId } = await agentFor(providerId, 'default-agent');
    const orchestrator = generateRecipientKeyPair();
    const recipient = await admin.post<Json>('/v1/recipients', { name: 'orch', publicKey: orchestrator.publicKey });
    const start = await admin.post<Json>(`/v1/agents/${agentId}/start`, { recipientId: recipient.body.id });
    expect(start.status).toBe(202);
    const issued = await eventually(
      () => readStreamMessages(stack.names, stack.names.event(tenantId, 'credential.issued')),
      (messages) => messages.some((m) => m.data['startId'] === start.body['startId']),
      20_000,
    );
    expect(issued.find((m) => m.data['startId'] === start.body['startId'])?.data).toMatchObject({ provider: { model: 'claude-mock-00' } });

    const unknown = await admin.patch<Json>(`/v1/providers/${providerId}`, { defaultModel: 'no-such-model' });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).toContain('no-such-model is not a model of provider');
    expect((await admin.patch<Json>(`/v1/providers/${providerId}`, { defaultModel: 'claude-mock-44' })).body).toMatchObject({ defaultModel: 'claude-mock-44' });
  });

  it('previews a delete with dryRun, deleting nothing, and accepts protocol "responses" as openai', async () => {
    const created = await admin.post<Json>('/v1/providers', { name: 'doomed', type: 'custom', endpoint: `${mock.baseUrl}/v1`, protocol: 'responses', defaultModel: 'gpt-mock' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ protocol: 'openai', defaultModel: 'gpt-mock', modelCount: 1 });
    const providerId = created.body.id as string;
    const models = (await admin.get<{ data: Json[] }>(`/v1/providers/${providerId}/models`)).body.data.map((m) => m['id']);

    const preview = await admin.delete<Json>(`/v1/providers/${providerId}?dryRun=true`);
    expect(preview.status).toBe(200);
    expect(preview.body).toEqual({ dependents: { agents: [], models } });
    expect((await admin.get(`/v1/providers/${providerId}`)).status).toBe(200);
    expect((await admin.delete(`/v1/providers/${providerId}?dryRun=maybe`)).status).toBe(400);

    const { agentId } = await agentFor(providerId, 'doomed-agent');
    expect((await admin.delete<Json>(`/v1/providers/${providerId}?dryRun=true`)).body).toEqual({ dependents: { agents: [agentId], models } });
    expect((await admin.delete(`/v1/providers/${providerId}`)).status).toBe(409);
    await admin.delete(`/v1/agents/${agentId}`);
    expect((await admin.delete(`/v1/providers/${providerId}`)).status).toBe(204);
  });
});
