import { createHmac } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Webhook } from 'standardwebhooks';
import { ApiClient, MockLlmUpstream, Stack, deleteEventsStream, dumpDatabase, eventually } from '@switchboard/testing';
import { WebhookReceiver } from './fixtures/webhook-receiver.js';

type Json = Record<string, unknown>;

/** Output at 2 USD per million tokens, input free: a call with max_tokens = 1000 costs at most 0.002 USD. */
const CALL_COST = 0.002;
/** How long the receiver is down after the test starts sending it events. */
const OUTAGE_MS = 30_000;

describe('webhooks: alerts and budget events reach a receiver (real stack, Standard Webhooks)', () => {
  let mock: MockLlmUpstream;
  let receiver: WebhookReceiver;
  let receiverUrl: string;
  let stack: Stack;
  let operator: ApiClient;
  let admin: ApiClient;
  let tenantId: string;
  let webhookId: string;
  let secret = '';

  beforeAll(async () => {
    mock = await new MockLlmUpstream().start();
    receiver = new WebhookReceiver();
    receiverUrl = await receiver.start();
    // Two usage-service replicas share the deliveries; one is killed mid-outage and another takes its place.
    stack = await Stack.start({ replicas: { 'usage-service': 2 }, env: { SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32' } });
    operator = new ApiClient(stack.gatewayUrl, stack.operatorKey);
    const tenant = await operator.post<Json>('/v1/tenants', { name: 'webhooks' });
    tenantId = tenant.body.id as string;
    admin = new ApiClient(stack.gatewayUrl, tenant.body.adminKey as string);
  });

  afterAll(async () => {
    await stack?.stop();
    if (stack) await deleteEventsStream(stack.names);
    await receiver?.stop();
    await mock?.stop();
  });

  it('registers a webhook and shows its whsec_ secret once', async () => {
    const created = await admin.post<Json>('/v1/webhooks', { url: receiverUrl, events: ['alert.raised', 'budget.exhausted'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ url: receiverUrl, events: ['alert.raised', 'budget.exhausted'] });
    secret = created.body.secret as string;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    webhookId = created.body.id as string;
    receiver.trust(secret);
    const read = await admin.get<Json>(`/v1/webhooks/${webhookId}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ id: webhookId, url: receiverUrl, events: ['alert.raised', 'budget.exhausted'], createdAt: created.body.createdAt });
    expect(JSON.stringify((await admin.get<Json>('/v1/secrets')).body)).not.toContain(webhookId);
  });

  it('refuses bad input with 400 and saves nothing', async () => {
    const bad: Json[] = [
      { url: 'http://10.1.2.3:8080/hook', events: ['alert.raised'] },
      { url: 'http://169.254.169.254/latest', events: ['alert.raised'] },
      { url: 'ftp://127.0.0.1/hook', events: ['alert.raised'] },
      { url: `${receiverUrl}#frag`, events: ['alert.raised'] },
      { url: receiverUrl, events: [] },
      { url: receiverUrl, events: ['usage.recorded'] },
      { url: receiverUrl, events: ['alert.raised', 'alert.raised'] },
      { url: receiverUrl, events: ['alert.raised'], extra: 1 },
    ];
    for (const body of bad) {
      const res = await admin.post<Json>('/v1/webhooks', body);
      expect([JSON.stringify(body), res.status]).toEqual([JSON.stringify(body), 400]);
      expect(typeof (res.body.error as Json).message).toBe('string');
    }
    const privateUrl = await admin.post<Json>('/v1/webhooks', { url: 'http://10.1.2.3:8080/hook', events: ['alert.raised'] });
    expect((privateUrl.body.error as Json).message).toContain('10.1.2.3');
    expect(((await admin.get<Json>('/v1/webhooks')).body.data as Json[]).map((w) => w.id)).toEqual([webhookId]);
  });

  it('lets members read but not write, agent keys nothing, and hides other tenants’ webhooks', async () => {
    const member = admin.withKey((await admin.post<Json>('/v1/keys', { name: 'm', role: 'member' })).body.key as string);
    expect((await member.post('/v1/webhooks', { url: receiverUrl, events: ['alert.raised'] })).status).toBe(403);
    expect((await member.delete(`/v1/webhooks/${webhookId}`)).status).toBe(403);
    expect((await member.get(`/v1/webhooks/${webhookId}`)).status).toBe(200);
    expect((await member.get(`/v1/webhooks/${webhookId}/deliveries`)).status).toBe(200);

    const other = await operator.post<Json>('/v1/tenants', { name: 'other' });
    const stranger = admin.withKey(other.body.adminKey as string);
    for (const res of [
      await stranger.get<Json>(`/v1/webhooks/${webhookId}`),
      await stranger.get<Json>(`/v1/webhooks/${webhookId}/deliveries`),
      await stranger.delete<Json>(`/v1/webhooks/${webhookId}`),
    ]) {
      expect(res.status).toBe(404);
      expect((res.body.error as Json).code).toBe('webhook_not_found');
    }
    expect((await stranger.get<Json>('/v1/webhooks')).body).toEqual({ data: [], nextCursor: null });
  });

  it('pages the list, counts webhooks against the tenant quota, and deletes', async () => {
    const extra: string[] = [];
    for (const i of [1, 2]) extra.push((await admin.post<Json>('/v1/webhooks', { url: `${receiverUrl}/${i}`, events: ['budget.restored'] })).body.id as string);
    const first = await admin.get<Json>('/v1/webhooks?limit=2');
    expect((first.body.data as Json[]).map((w) => w.id)).toEqual([webhookId, extra[0]]);
    const second = await admin.get<Json>(`/v1/webhooks?limit=2&cursor=${first.body.nextCursor as string}`);
    expect(second.body).toEqual({ data: [expect.objectContaining({ id: extra[1] })], nextCursor: null });
    expect((await admin.get('/v1/webhooks?cursor=nonsense')).status).toBe(400);

    const quotas = await operator.get<Json>(`/v1/tenants/${tenantId}/quotas`);
    expect(quotas.body.webhooks).toEqual({ limit: 20, source: 'default', used: 3 });
    expect((await operator.put<Json>(`/v1/tenants/${tenantId}/quotas`, { webhooks: 3 })).body.webhooks).toEqual({ limit: 3, source: 'tenant', used: 3 });
    const refused = await admin.post<Json>('/v1/webhooks', { url: receiverUrl, events: ['alert.raised'] });
    expect(refused.status).toBe(409);
    expect((refused.body.error as Json).code).toBe('quota_exceeded');
    await operator.put(`/v1/tenants/${tenantId}/quotas`, { webhooks: null });

    for (const id of extra) expect((await admin.delete(`/v1/webhooks/${id}`)).status).toBe(204);
    expect((await admin.get(`/v1/webhooks/${extra[0]}`)).status).toBe(404);
    expect(((await admin.get<Json>('/v1/webhooks')).body.data as Json[]).map((w) => w.id)).toEqual([webhookId]);
  });

  it('delivers budget.exhausted and alert.raised through a 30 s outage and a kill -9, each once, with valid signatures', async () => {
    receiver.goDown(OUTAGE_MS);
    // An unpriced model: its first successful call raises `unpriced_model`.
    const unpriced = await admin.post<Json>('/v1/providers', { name: 'unpriced', type: 'custom', endpoint: `${mock.baseUrl}/v1`, apiKey: 'sk-unpriced-0123456789' });
    await admin.post(`/v1/providers/${unpriced.body.id as string}/models`, { name: 'free', upstreamModel: 'gpt-mock' });
    // A budget of one call: the call exhausts it.
    const budgeted = await admin.post<Json>('/v1/providers', {
      name: 'budgeted',
      type: 'custom',
      endpoint: `${mock.baseUrl}/v1`,
      apiKey: 'sk-budgeted-0123456789',
      monthlyBudgetUsd: CALL_COST,
    });
    const budgetedId = budgeted.body.id as string;
    await admin.post(`/v1/providers/${budgetedId}/models`, { name: 'metered', upstreamModel: 'gpt-mock', inputUsdPerMTok: 0, outputUsdPerMTok: 2 });
    const call = async (providerId: string, model: string) => {
      const agent = await admin.post<Json>('/v1/agents', { name: `agent-${model}-${Date.now()}`, providerId });
      const key = (await admin.post<Json>('/v1/keys', { name: `key-${model}`, role: 'agent', agentId: agent.body.id })).body.key as string;
      expect((await admin.withKey(key).get('/v1/webhooks')).status).toBe(403);
      const res = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'count to three' }], max_tokens: 1000 }),
      });
      await res.text();
      return res.status;
    };
    expect(await call(unpriced.body.id as string, 'free')).toBe(200);
    expect(await call(budgetedId, 'metered')).toBe(200);
    await eventually(
      async () => (await admin.get<Json>(`/v1/providers/${budgetedId}/budget`)).body,
      (budget) => budget.exhausted === true,
      20_000,
    );

    const started = Date.now();
    // Pending deliveries are rows in PostgreSQL: a replica killed between attempts loses none of them.
    await eventually(async () => receiver.receipts.length, (n) => n >= 3, 10_000);
    await stack.kill('usage-service', 'SIGKILL', 0);
    stack.spawn('usage-service', 2);
    // Every event the receiver was sent (the budget call also crosses the 50/80/100 % thresholds: more alerts).
    const allDelivered = () => {
      const ids = new Set(receiver.receipts.map((r) => r.id));
      const done = receiver.delivered();
      return [...ids].every((id) => done.has(id));
    };
    const delivered = await eventually(
      async () => receiver.receipts.filter((r) => r.verified),
      (verified) => new Set(verified.map((r) => (JSON.parse(r.body) as Json).type)).size === 2 && allDelivered(),
      OUTAGE_MS + 60_000,
    );
    const allDeliveredAt = Date.now();
    const events = delivered.map((r) => JSON.parse(r.body) as Json);
    expect([...new Set(events.map((e) => e.type))].sort()).toEqual(['alert.raised', 'budget.exhausted']);
    for (const event of events) {
      expect(event).toMatchObject({ tenantId, eventId: expect.any(String), at: expect.any(String) });
      expect(receiver.receipts.find((r) => r.verified && r.id === event.eventId)).toBeDefined();
    }
    expect(events.filter((e) => e.type === 'alert.raised').map((e) => e.kind)).toContain('unpriced_model');
    expect(events.filter((e) => e.type === 'budget.exhausted')).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThan(5_000);

    // Once per webhook-id, however many attempts failed before; then wait for late duplicates.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const counts = receiver.delivered();
    expect(counts.size).toBe(events.length);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(receiver.receipts.filter((r) => r.answered !== 204 && r.verified)).toEqual([]);
    expect(receiver.receipts.filter((r) => r.answered !== 204).length).toBeGreaterThanOrEqual(events.length);
    process.stdout.write(
      `webhook outage: ${events.length} events, ${receiver.receipts.length - events.length} failed attempts, ` +
        `the last ${allDeliveredAt - receiver.upAgainAt} ms after the receiver came back\n`,
    );

    const log = await admin.get<Json>(`/v1/webhooks/${webhookId}/deliveries`);
    const rows = log.body.data as Json[];
    for (const event of events) {
      const attempts = rows.filter((r) => r.eventId === event.eventId).sort((a, b) => (a.attempt as number) - (b.attempt as number));
      expect(attempts.length).toBeGreaterThanOrEqual(2);
      expect(attempts.at(-1)).toMatchObject({ status: 'delivered', responseStatus: 204, eventType: event.type });
      for (const failed of attempts.slice(0, -1)) expect(failed).toMatchObject({ status: 'failed' });
      expect(attempts.map((a) => a.attempt)).toEqual(attempts.map((_, i) => i + 1));
    }
    const page = await admin.get<Json>(`/v1/webhooks/${webhookId}/deliveries?limit=1`);
    expect((page.body.data as Json[])[0]).toEqual(rows[0]);
    expect(typeof page.body.nextCursor).toBe('string');
  }, OUTAGE_MS + 120_000);

  it('delivers at once while the receiver is up, and never an event usage-service did not publish', async () => {
    // Anybody who reaches NATS can put an alert.raised on the stream; without usage-service's proof it goes nowhere.
    const attacker = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
    const forgedId = `evt_forged${Date.now()}`;
    const forged = { eventId: forgedId, type: 'alert.raised', tenantId, at: new Date().toISOString(), alertId: 'alr_forged', kind: 'error_rate', subject: 'provider:x', detail: {} };
    await jetstream(attacker).publish(stack.names.event(tenantId, 'alert.raised'), JSON.stringify(forged), { msgID: forgedId });
    await attacker.close();

    const provider = await admin.post<Json>('/v1/providers', { name: 'unpriced-2', type: 'custom', endpoint: `${mock.baseUrl}/v1`, apiKey: 'sk-unpriced-2-0123456789' });
    const providerId = provider.body.id as string;
    await admin.post(`/v1/providers/${providerId}/models`, { name: 'free-2', upstreamModel: 'gpt-mock' });
    const agent = await admin.post<Json>('/v1/agents', { name: 'agent-free-2', providerId });
    const key = (await admin.post<Json>('/v1/keys', { name: 'key-free-2', role: 'agent', agentId: agent.body.id })).body.key as string;
    const before = receiver.receipts.length;
    const res = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'free-2', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 }),
    });
    expect(res.status).toBe(200);
    await res.text();
    const answered = Date.now();
    const receipt = await eventually(
      async () => receiver.receipts.slice(before).find((r) => r.verified),
      (found) => found !== undefined,
      15_000,
    );
    const receivedAt = Date.now();
    const event = JSON.parse(receipt?.body ?? '{}') as Json;
    expect(event).toMatchObject({ type: 'alert.raised', kind: 'unpriced_model', subject: `model:${providerId}/free-2` });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(receiver.receipts.slice(before).map((r) => r.answered)).toEqual([204]);
    expect(receiver.receipts.some((r) => r.id === forgedId)).toBe(false);
    expect(stack.output()).toContain('alert.raised not published by usage-service dropped');
    process.stdout.write(`webhook delivered ${receivedAt - answered} ms after the call answered, ${receivedAt - Date.parse(event.at as string)} ms after the alert was raised\n`);
  });

  it('signs exactly as Standard Webhooks specifies (checked apart from the package)', () => {
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const sample = receiver.receipts.find((r) => r.verified);
    expect(sample).toBeDefined();
    const webhook = new Webhook(secret);
    const at = new Date();
    const expected = createHmac('sha256', key).update(`${sample?.id}.${Math.floor(at.getTime() / 1000)}.${sample?.body}`).digest('base64');
    expect(webhook.sign(sample?.id ?? '', at, sample?.body ?? '')).toBe(`v1,${expected}`);
  });

  it('never writes the secret down: not in PostgreSQL (usage and credentials schemas included), not in the logs', async () => {
    const forms = [secret, secret.slice('whsec_'.length), Buffer.from(secret.slice('whsec_'.length), 'base64').toString('hex')];
    const places = { postgres: await dumpDatabase(stack.databaseUrl), logs: stack.output() };
    expect(places.postgres).toContain('webhook_secrets');
    expect(places.postgres).toContain(webhookId);
    for (const [place, text] of Object.entries(places)) {
      for (const form of forms) expect([place, text.includes(form)]).toEqual([place, false]);
    }
  });
});
