import { randomBytes } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import type { INestMicroservice } from '@nestjs/common';
import { DEFAULT_ALERT_SETTINGS, type AlertView } from '@switchboard/contracts';
import { natsMicroserviceOptions, ServiceIdentityModule } from '@switchboard/messaging';
import { testIdentities } from '@switchboard/service-identity/testing';
import { generateAccessKey } from '../auth/access-key.js';
import type { GatewayHarness } from '../../test/gateway.harness.js';
import type { FakeAlertsState } from '../../test/fake-alerts.controller.js';

// Set before the harness and the fakes (whose decorators read it) are imported.
const namespace = `t${randomBytes(5).toString('hex')}`;
process.env.SWITCHBOARD_NAMESPACE = namespace;

type Json = Record<string, unknown>;

const operatorKey = generateAccessKey();
const errorOf = (body: unknown) => (body as { error: { code: string; message: string } }).error;

describe('alert routes (gateway in-process, real NATS, fake providers- and usage-service)', () => {
  let h: GatewayHarness;
  let state: FakeAlertsState;
  let fakeUsage: INestMicroservice;
  let admin: string;
  let member: string;
  let agentKey: string;

  /** A refused request must not reach usage-service. */
  async function refused(method: 'GET' | 'PUT', url: string, key: string, body?: unknown) {
    const asked = state.requestCount;
    const res = await h.request(method, url, { key, ...(body === undefined ? {} : { body }) });
    expect(state.requestCount).toBe(asked);
    return { status: res.status, ...errorOf(res.body) };
  }

  beforeAll(async () => {
    const { GatewayHarness } = await import('../../test/gateway.harness.js');
    const { FakeAlertsState: State, fakeAlertsModule } = await import('../../test/fake-alerts.controller.js');
    h = await GatewayHarness.start({ namespace, operatorKey });
    state = new State();
    fakeUsage = await NestFactory.createMicroservice(ServiceIdentityModule.around(fakeAlertsModule(state), testIdentities().identity('usage')), {
      ...natsMicroserviceOptions({ ...h.nats, name: 'fake-usage-alerts' }, 'usage', { gracePeriodMs: 10 }),
      logger: false,
    });
    await fakeUsage.listen();
    const tenant = await h.request('POST', '/v1/tenants', { key: operatorKey, body: { name: 'acme' } });
    admin = (tenant.body as Json).adminKey as string;
    member = ((await h.request('POST', '/v1/keys', { key: admin, body: { name: 'reader', role: 'member' } })).body as Json).key as string;
    const provider = await h.request('POST', '/v1/providers', { key: admin, body: { name: 'acme-openai', type: 'openai' } });
    const agent = await h.request('POST', '/v1/agents', { key: admin, body: { name: 'bot', providerId: (provider.body as Json).id } });
    const agentId = (agent.body as Json).id as string;
    agentKey = ((await h.request('POST', '/v1/keys', { key: admin, body: { name: 'bot key', role: 'agent', agentId } })).body as Json).key as string;
  });

  afterAll(async () => {
    await fakeUsage?.close();
    await h?.close();
  });

  describe('GET /v1/alerts', () => {
    it('answers usage-service’s alerts to admins and members, passing the filters on', async () => {
      const alert: AlertView = {
        id: 'alr_0123456789abcdefghjk',
        kind: 'error_rate',
        subject: 'provider:prv_x',
        at: '2025-07-01T10:04:00.000Z',
        detail: { providerId: 'prv_x', requests: 20, errors: 5, errorRatePct: 25, thresholdPct: 20 },
      };
      state.alerts = [alert];
      for (const key of [admin, member]) {
        const res = await h.request('GET', '/v1/alerts', { key });
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ data: [alert], nextCursor: null });
        const asked = state.lists.at(-1);
        expect(asked).toEqual({ actor: expect.objectContaining({ tenantId: expect.stringMatching(/^ten_/) }), limit: 100 });
      }
      const filtered = await h.request('GET', '/v1/alerts?since=2025-07-01T10:00:00Z&kind=token_spike&limit=20&cursor=abc_-1', { key: member });
      expect(filtered.status).toBe(200);
      expect(state.lists.at(-1)).toEqual({
        actor: expect.objectContaining({ role: 'member' }),
        since: '2025-07-01T10:00:00Z',
        kind: 'token_spike',
        limit: 20,
        cursor: 'abc_-1',
      });
    });

    it.each([
      ['since=yesterday', 'since: must be an ISO-8601 time like 2025-01-31T10:00:00Z'],
      ['since=2025-07-01', 'since: must be an ISO-8601 time like 2025-01-31T10:00:00Z'],
      ['kind=outage', 'kind: must be one of "token_spike", "error_rate", "slow_responses", "unpriced_model", "budget_threshold"'],
      ['limit=0', 'limit: must be a whole number from 1 to 1000'],
      ['limit=ten', 'limit: must be a whole number from 1 to 1000'],
      ['limit=1001', 'limit: must be at most 1000'],
      ['cursor=a%2Fb', 'cursor: is not a cursor this API gave out'],
      ['kind=error_rate&kind=token_spike', 'kind: must be one of "token_spike", "error_rate", "slow_responses", "unpriced_model", "budget_threshold"'],
      ['type=error_rate', 'type: is not a known field'],
    ])('answers 400 to ?%s without asking usage-service', async (query, message) => {
      expect(await refused('GET', `/v1/alerts?${query}`, member)).toEqual({ status: 400, code: 'validation_failed', message });
    });

    it('refuses agent, operator and unknown keys', async () => {
      expect(await refused('GET', '/v1/alerts', agentKey)).toMatchObject({ status: 403, code: 'forbidden' });
      expect(await refused('GET', '/v1/alerts', operatorKey)).toMatchObject({ status: 403, code: 'forbidden' });
      expect(await refused('GET', '/v1/alerts', generateAccessKey())).toMatchObject({ status: 401, code: 'unauthorized' });
    });
  });

  describe('/v1/alerts/settings', () => {
    it('reads the settings with their version as ETag, and lets an admin change some of them', async () => {
      const read = await h.request('GET', '/v1/alerts/settings', { key: member });
      expect(read.status).toBe(200);
      expect(read.body).toEqual({ ...DEFAULT_ALERT_SETTINGS, version: 0 });
      expect(read.headers['etag']).toBe('"0"');

      const changed = await h.request('PUT', '/v1/alerts/settings', {
        key: admin,
        body: { errorRatePct: 35.5, windowMinutes: 15 },
        headers: { 'if-match': '"0"' },
      });
      expect(changed.status).toBe(200);
      expect(changed.body).toEqual({ ...DEFAULT_ALERT_SETTINGS, errorRatePct: 35.5, windowMinutes: 15, version: 1 });
      expect(changed.headers['etag']).toBe('"1"');
      expect(state.settingsRequests.at(-1)).toEqual({
        actor: expect.objectContaining({ role: 'admin' }),
        changes: { errorRatePct: 35.5, windowMinutes: 15 },
        expectedVersion: 0,
      });

      const stale = await h.request('PUT', '/v1/alerts/settings', { key: admin, body: { minRequests: 5 }, headers: { 'if-match': '"0"' } });
      expect(stale.status).toBe(412);
      expect(errorOf(stale.body)).toEqual({ code: 'version_conflict', message: 'alert settings are at version 1, expected 0' });
    });

    it.each([
      [{}, 'body: must set at least one of errorRatePct, minRequests, p95LatencyMs, spikeFactor, windowMinutes, baselineWindows'],
      [{ errorRatePct: 0 }, 'errorRatePct: must be more than 0'],
      [{ errorRatePct: 101 }, 'errorRatePct: must be at most 100'],
      [{ minRequests: 2.5 }, 'minRequests: must be a whole number'],
      [{ minRequests: '20' }, 'minRequests: must be a number'],
      [{ p95LatencyMs: -1 }, 'p95LatencyMs: must be more than 0'],
      [{ spikeFactor: 0.5 }, 'spikeFactor: must be at least 1'],
      [{ windowMinutes: 2000 }, 'windowMinutes: must be at most 1440 (a day)'],
      [{ baselineWindows: 0 }, 'baselineWindows: must be at least 1'],
      [{ errorRatePct: 30, threshold: 1 }, 'threshold: is not a known field'],
    ])('answers 400 to %j without asking usage-service', async (body, message) => {
      expect(await refused('PUT', '/v1/alerts/settings', admin, body)).toEqual({ status: 400, code: 'validation_failed', message });
    });

    it('lets only admins change them', async () => {
      expect(await refused('PUT', '/v1/alerts/settings', member, { errorRatePct: 30 })).toMatchObject({ status: 403, code: 'forbidden' });
      expect(await refused('PUT', '/v1/alerts/settings', agentKey, { errorRatePct: 30 })).toMatchObject({ status: 403, code: 'forbidden' });
      expect(await refused('GET', '/v1/alerts/settings', agentKey)).toMatchObject({ status: 403, code: 'forbidden' });
      expect(state.settings.errorRatePct).not.toBe(30);
    });
  });
});
