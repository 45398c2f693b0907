import { randomBytes } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import type { INestMicroservice } from '@nestjs/common';
import { newId } from '@switchboard/contracts';
import { natsMicroserviceOptions, ServiceIdentityModule } from '@switchboard/messaging';
import { testIdentities } from '@switchboard/service-identity/testing';
import { generateAccessKey } from '../auth/access-key.js';
import type { GatewayHarness } from '../../test/gateway.harness.js';
import type { FakeUsageState } from '../../test/fake-usage.controller.js';

// Set before the harness and the fakes (whose decorators read it) are imported.
const namespace = `t${randomBytes(5).toString('hex')}`;
process.env.SWITCHBOARD_NAMESPACE = namespace;

type Json = Record<string, unknown>;
const operatorKey = generateAccessKey();
const errorOf = (body: unknown) => (body as { error: { code: string; message: string } }).error;

describe('usage routes (gateway in-process, real NATS, fake providers- and usage-service)', () => {
  let h: GatewayHarness;
  let usage: FakeUsageState;
  let fakeUsage: INestMicroservice;
  let admin: string;
  let member: string;
  let agentKey: string;
  let agentId: string;
  let foreignAgentId: string;

  async function tenantWithAgent(name: string): Promise<{ admin: string; agentId: string }> {
    const tenant = await h.request('POST', '/v1/tenants', { key: operatorKey, body: { name } });
    const adminKey = (tenant.body as Json).adminKey as string;
    const provider = await h.request('POST', '/v1/providers', { key: adminKey, body: { name: `${name}-openai`, type: 'openai' } });
    const agent = await h.request('POST', '/v1/agents', { key: adminKey, body: { name: 'bot', providerId: (provider.body as Json).id } });
    expect(agent.status).toBe(201);
    return { admin: adminKey, agentId: (agent.body as Json).id as string };
  }

  /** A refused request must not reach usage-service. */
  async function refused(url: string, key: string) {
    const asked = usage.queries.length + usage.statsRequests.length;
    const res = await h.request('GET', url, { key });
    expect(usage.queries.length + usage.statsRequests.length).toBe(asked);
    return { status: res.status, ...errorOf(res.body) };
  }

  beforeAll(async () => {
    const { GatewayHarness } = await import('../../test/gateway.harness.js');
    const { FakeUsageState: State, fakeUsageModule } = await import('../../test/fake-usage.controller.js');
    h = await GatewayHarness.start({ namespace, operatorKey });
    usage = new State();
    fakeUsage = await NestFactory.createMicroservice(ServiceIdentityModule.around(fakeUsageModule(usage), testIdentities().identity('usage')), {
      ...natsMicroserviceOptions({ ...h.nats, name: 'fake-usage' }, 'usage', { gracePeriodMs: 10 }),
      logger: false,
    });
    await fakeUsage.listen();

    ({ admin, agentId } = await tenantWithAgent('acme'));
    member = ((await h.request('POST', '/v1/keys', { key: admin, body: { name: 'reader', role: 'member' } })).body as Json).key as string;
    agentKey = ((await h.request('POST', '/v1/keys', { key: admin, body: { name: 'bot key', role: 'agent', agentId } })).body as Json).key as string;
    foreignAgentId = (await tenantWithAgent('globex')).agentId;
  });

  afterAll(async () => {
    await fakeUsage?.close();
    await h?.close();
  });

  describe('GET /v1/usage', () => {
    it('hands a member’s query to usage-service and returns its rows', async () => {
      const row = { key: 'gpt-4o', requests: 3, errors: 1, inputTokens: 30, outputTokens: 12, costUsd: 0.5, avgLatencyMs: 120.5, p95LatencyMs: 300 };
      usage.rows = [row];
      const res = await h.request('GET', '/v1/usage?groupBy=model&from=2025-01-01&to=2025-02-01', { key: member });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ data: [row] });
      expect(usage.queries.at(-1)).toEqual({
        actor: expect.objectContaining({ role: 'member', tenantId: expect.stringMatching(/^ten_/) }),
        groupBy: 'model',
        from: '2025-01-01',
        to: '2025-02-01',
      });
    });

    it('leaves the default window (the current UTC month) to usage-service', async () => {
      expect((await h.request('GET', '/v1/usage?groupBy=day', { key: admin })).status).toBe(200);
      const asked = usage.queries.at(-1);
      expect(asked).toMatchObject({ groupBy: 'day', actor: expect.objectContaining({ role: 'admin' }) });
      expect(asked).not.toHaveProperty('from');
      expect(asked).not.toHaveProperty('to');
    });

    it.each([
      ['', 'groupBy: is required: one of "provider", "model", "agent", "day"'],
      ['groupBy=week', 'groupBy: must be one of "provider", "model", "agent", "day"'],
      ['groupBy=day&from=2025-1-5', 'from: must be a date like 2025-01-31'],
      ['groupBy=day&to=2025-02-30', 'to: must be a real calendar date'],
      ['groupBy=day&from=2025-03-01&to=2025-03-01', 'to (2025-03-01, exclusive) must be after from (2025-03-01)'],
      ['groupBy=day&from=2024-01-01&to=2025-01-03', 'from 2024-01-01 to 2025-01-03 spans more than 366 days'],
      ['groupBy=day&from=2025-01-01&from=2025-01-02', 'from: must be a string'],
      ['groupBy=day&group_by=day', 'group_by: is not a known field'],
    ])('answers 400 to ?%s without asking usage-service', async (query, message) => {
      const res = await refused(`/v1/usage?${query}`, member);
      expect(res).toEqual({ status: 400, code: 'validation_failed', message });
    });

    it('refuses agent and operator keys', async () => {
      expect(await refused('/v1/usage?groupBy=day', agentKey)).toMatchObject({ status: 403, code: 'forbidden' });
      expect(await refused('/v1/usage?groupBy=day', operatorKey)).toMatchObject({ status: 403, code: 'forbidden' });
      expect(await refused('/v1/usage?groupBy=day', generateAccessKey())).toMatchObject({ status: 401, code: 'unauthorized' });
    });
  });

  describe('GET /v1/agents/:id/stats', () => {
    it('answers the agent’s stats to admins and members', async () => {
      usage.stats = {
        totalTokens: 42,
        inputTokens: 30,
        outputTokens: 12,
        costUsd: 0.5,
        requests: 3,
        errors: 1,
        avgLatencyMs: 120.5,
        p95LatencyMs: 300,
        lastRequestAt: '2025-01-02T03:04:05.000Z',
      };
      for (const key of [admin, member]) {
        const res = await h.request('GET', `/v1/agents/${agentId}/stats`, { key });
        expect(res.status).toBe(200);
        expect(res.body).toEqual(usage.stats);
        expect(usage.statsRequests.at(-1)).toMatchObject({ agentId });
      }
    });

    it('answers 404 for an unknown, malformed or other tenant’s agent, before asking usage-service', async () => {
      for (const id of [newId('agent'), 'not-an-agent', foreignAgentId]) {
        expect(await refused(`/v1/agents/${id}/stats`, member)).toMatchObject({ status: 404, code: 'agent_not_found' });
      }
    });

    it('refuses agent keys, even for their own agent', async () => {
      expect(await refused(`/v1/agents/${agentId}/stats`, agentKey)).toMatchObject({ status: 403, code: 'forbidden' });
    });
  });
});
