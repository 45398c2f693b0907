import { AlertOps, DEFAULT_ALERT_SETTINGS, encodeCursor, type Actor, type AlertView, type UsageRecorded } from '@switchboard/contracts';
import { eventually, readStreamMessages } from '@switchboard/testing';
import { memberOf, newTenantId, startTestStack, usageCall, value, type TestStack } from '../../test/service.harness.js';

const adminOf = (tenantId: string): Actor => ({ tenantId, keyId: `key_admin_${tenantId}`, role: 'admin', agentId: null });

/** The evaluator's clock: each scenario sets it; windows are the default 5 minutes. */
let now = new Date('2025-07-01T10:04:00Z');

describe('usage alerts (real Postgres and NATS)', () => {
  let stack: TestStack;

  const publishAll = async (tenantId: string, calls: { call: UsageRecorded; at: string }[]) => {
    for (const { call, at } of calls) await stack.publishUsage(tenantId, call, { at });
    await stack.projectorIdle();
  };
  const times = (n: number, make: (i: number) => UsageRecorded, at: string) => Array.from({ length: n }, (_, i) => ({ call: make(i), at }));
  const alerts = async (tenantId: string, extra: { kind?: AlertView['kind']; since?: string; limit?: number } = {}) =>
    value(await stack.bus.send(AlertOps.list, { actor: memberOf(tenantId), ...extra })).data;
  const evaluate = () => stack.service.alerts.evaluate();

  beforeAll(async () => {
    // A pass an hour apart at most: the specs drive the evaluator themselves, at the clock they set.
    stack = await startTestStack({ alerts: { clock: () => now, evaluateEveryMs: 3_600_000 } });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('raises error_rate and slow_responses per provider once per window, never below the thresholds', async () => {
    const tenantId = newTenantId();
    now = new Date('2025-07-01T10:04:00Z');
    const at = '2025-07-01T10:01:00Z';
    await publishAll(tenantId, [
      // 5 of 20 failed: 25 % ≥ 20 %.
      ...times(20, (i) => usageCall({ providerId: 'prv_err', status: i < 5 ? 502 : 200 }), at),
      // 3 of 20: 15 %.
      ...times(20, (i) => usageCall({ providerId: 'prv_ok', status: i < 3 ? 500 : 200 }), at),
      // All failed, but only 10 calls.
      ...times(10, () => usageCall({ providerId: 'prv_few', status: 503 }), at),
      // p95 of 20 successful calls at 12 s; the failed one is not a response time.
      ...times(20, () => usageCall({ providerId: 'prv_slow', latencyMs: 12_000 }), at),
      { call: usageCall({ providerId: 'prv_slow', status: 500, latencyMs: 1 }), at },
      // One slow call among 20: p95 interpolates to 1475 ms.
      ...times(20, (i) => usageCall({ providerId: 'prv_fast', latencyMs: i === 0 ? 20_000 : 500 }), at),
      // Slow, but 19 successful calls only.
      ...times(19, () => usageCall({ providerId: 'prv_slow_few', latencyMs: 30_000 }), at),
      // Refused by the gateway for a spent budget: not the provider's errors.
      ...times(20, () => usageCall({ providerId: 'prv_spent', status: 429, errorKind: 'budget_exceeded', outputTokens: 0 }), at),
    ]);

    expect(await evaluate()).toBe(2);
    const raised = await alerts(tenantId);
    expect(raised.map((a) => [a.kind, a.subject]).sort()).toEqual([
      ['error_rate', 'provider:prv_err'],
      ['slow_responses', 'provider:prv_slow'],
    ]);
    const window = { windowStart: '2025-07-01T10:00:00.000Z', windowEnd: '2025-07-01T10:05:00.000Z' };
    expect(raised.find((a) => a.kind === 'error_rate')).toEqual({
      id: expect.stringMatching(/^alr_/),
      kind: 'error_rate',
      subject: 'provider:prv_err',
      at: now.toISOString(),
      detail: { providerId: 'prv_err', requests: 20, errors: 5, errorRatePct: 25, thresholdPct: 20, ...window },
    });
    expect(raised.find((a) => a.kind === 'slow_responses')?.detail).toEqual({
      providerId: 'prv_slow',
      successfulRequests: 20,
      p95LatencyMs: 12_000,
      thresholdMs: 10_000,
      ...window,
    });

    // Later passes in the window, and in the next one (which still looks back at this one), add nothing.
    expect(await evaluate()).toBe(0);
    now = new Date('2025-07-01T10:07:30Z');
    expect(await evaluate()).toBe(0);
    expect(await alerts(tenantId)).toHaveLength(2);

    // The condition again in a later window is a new alert.
    now = new Date('2025-07-01T10:12:00Z');
    await publishAll(tenantId, times(20, () => usageCall({ providerId: 'prv_err', status: 500 }), '2025-07-01T10:11:00Z'));
    expect(await evaluate()).toBe(1);
    const [latest] = await alerts(tenantId);
    expect(latest).toMatchObject({ kind: 'error_rate', subject: 'provider:prv_err', detail: { errors: 20, windowStart: '2025-07-01T10:10:00.000Z' } });
  });

  it('raises token_spike per agent against the average of the windows before, never on a zero baseline', async () => {
    const tenantId = newTenantId();
    now = new Date('2025-07-09T10:03:00Z');
    const tokens = (agentId: string, total: number) => usageCall({ agentId, inputTokens: total - 40, outputTokens: 40 });
    const baseline: { call: UsageRecorded; at: string }[] = [];
    // One call per window over the 12 windows before 10:00 (09:00–10:00): 100 tokens a window on average.
    for (let w = 0; w < 12; w++) {
      const at = new Date(Date.parse('2025-07-09T09:00:30Z') + w * 300_000).toISOString();
      baseline.push({ call: tokens('agt_spike', 100), at }, { call: tokens('agt_steady', 100), at });
    }
    await publishAll(tenantId, [
      ...baseline,
      { call: tokens('agt_spike', 250), at: '2025-07-09T10:01:00Z' },
      { call: tokens('agt_spike', 151), at: '2025-07-09T10:02:00Z' },
      { call: tokens('agt_steady', 300), at: '2025-07-09T10:01:00Z' },
      // Never seen before: nothing to compare with.
      { call: tokens('agt_new', 100_000), at: '2025-07-09T10:01:00Z' },
    ]);

    expect(await evaluate()).toBe(1);
    expect(await alerts(tenantId)).toEqual([
      {
        id: expect.any(String),
        kind: 'token_spike',
        subject: 'agent:agt_spike',
        at: now.toISOString(),
        detail: {
          agentId: 'agt_spike',
          tokens: 401,
          baselineAvgTokens: 100,
          spikeFactor: 3,
          baselineWindows: 12,
          windowStart: '2025-07-09T10:00:00.000Z',
          windowEnd: '2025-07-09T10:05:00.000Z',
        },
      },
    ]);
    // More tokens later in the same window: still the one alert.
    await publishAll(tenantId, [{ call: tokens('agt_spike', 5000), at: '2025-07-09T10:03:30Z' }]);
    now = new Date('2025-07-09T10:04:00Z');
    expect(await evaluate()).toBe(0);
    expect(await alerts(tenantId)).toHaveLength(1);
  });

  it('raises unpriced_model once per provider and model, only for successful calls without a cost', async () => {
    const tenantId = newTenantId();
    const at = '2025-07-02T08:00:00.000Z';
    await publishAll(tenantId, [
      { call: usageCall({ model: 'free-1', costUsd: undefined }), at },
      { call: usageCall({ model: 'free-1', costUsd: undefined }), at: '2025-07-02T08:05:00.000Z' },
      // Same model name, other provider: a model of its own.
      { call: usageCall({ providerId: 'prv_b', model: 'free-1', costUsd: undefined }), at },
      // A failed call without a cost says nothing about prices.
      { call: usageCall({ model: 'broken', costUsd: undefined, status: 500 }), at },
      { call: usageCall({ model: 'priced', costUsd: 0.01 }), at },
    ]);
    const raised = await alerts(tenantId, { kind: 'unpriced_model' });
    expect(raised.map((a) => [a.subject, a.at, a.detail['model']]).sort()).toEqual([
      ['model:prv_a/free-1', at, 'free-1'],
      ['model:prv_b/free-1', at, 'free-1'],
    ]);
    expect(await alerts(tenantId)).toHaveLength(2);
  });

  it('publishes alert.raised on the events stream once per alert, through the outbox', async () => {
    const tenantId = newTenantId();
    await publishAll(tenantId, [{ call: usageCall({ model: 'free-2', costUsd: undefined }), at: '2025-07-03T08:00:00Z' }]);
    const [alert] = await alerts(tenantId);
    const subject = stack.names.event(tenantId, 'alert.raised');
    const messages = await eventually(
      () => readStreamMessages(stack.names, subject),
      (found) => found.length > 0,
    );
    expect(messages).toHaveLength(1);
    expect(messages[0]?.data).toEqual({
      eventId: expect.stringMatching(/^evt_/),
      type: 'alert.raised',
      tenantId,
      at: '2025-07-03T08:00:00.000Z',
      alertId: alert?.id,
      kind: 'unpriced_model',
      subject: 'model:prv_a/free-2',
      detail: alert?.detail,
    });
    expect(messages[0]?.msgId).toBe(messages[0]?.data['eventId']);
  });

  it('raises each alert once when two replicas evaluate the same window at the same time', async () => {
    const tenantId = newTenantId();
    // The replica's loop makes its first pass as it starts, at a time without calls; the spec's passes follow.
    now = new Date('2025-07-04T00:00:00Z');
    const replica = await stack.startInstance('usage-service-alerts-replica');
    try {
      now = new Date('2025-07-04T12:02:00Z');
      await publishAll(tenantId, times(25, () => usageCall({ providerId: 'prv_race', status: 500, latencyMs: 50_000 }), '2025-07-04T12:01:00Z'));
      const counts = await Promise.all([evaluate(), replica.alerts.evaluate(), evaluate(), replica.alerts.evaluate()]);
      // Only error_rate: failed calls are not response times.
      expect(counts.reduce((a, b) => a + b, 0)).toBe(1);
    } finally {
      await replica.close();
    }
    expect((await alerts(tenantId)).map((a) => a.kind)).toEqual(['error_rate']);
    const messages = await eventually(
      () => readStreamMessages(stack.names, stack.names.event(tenantId, 'alert.raised')),
      (found) => found.length > 0,
    );
    expect(messages).toHaveLength(1);
  });

  it('lists newest first, filtered by kind and since, limited', async () => {
    const tenantId = newTenantId();
    const days = ['2025-07-05T01:00:00.000Z', '2025-07-06T01:00:00.000Z', '2025-07-07T01:00:00.000Z'];
    await publishAll(
      tenantId,
      days.map((at, i) => ({ call: usageCall({ model: `m${i}`, costUsd: undefined }), at })),
    );
    expect((await alerts(tenantId)).map((a) => a.at)).toEqual([...days].reverse());
    expect((await alerts(tenantId, { since: days[1] })).map((a) => a.subject)).toEqual(['model:prv_a/m2', 'model:prv_a/m1']);
    expect((await alerts(tenantId, { since: '2025-07-06T03:00:00+02:00' })).map((a) => a.subject)).toEqual(['model:prv_a/m2', 'model:prv_a/m1']);
    expect((await alerts(tenantId, { limit: 1 })).map((a) => a.subject)).toEqual(['model:prv_a/m2']);
    expect(await alerts(tenantId, { kind: 'token_spike' })).toEqual([]);
    // Another tenant sees none of them.
    expect(await alerts(newTenantId())).toEqual([]);
    const refused = await stack.bus.send(AlertOps.list, { actor: { tenantId, keyId: 'key_agent', role: 'agent', agentId: 'agt_a' } });
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const badSince = await stack.bus.send(AlertOps.list, { actor: memberOf(tenantId), since: 'yesterday' });
    expect(badSince).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
  });

  it('pages newest first by cursor, each alert once while more are raised, and refuses a cursor it never gave out', async () => {
    const tenantId = newTenantId();
    const days = ['2025-08-01', '2025-08-02', '2025-08-03', '2025-08-04', '2025-08-05'].map((day) => `${day}T01:00:00.000Z`);
    await publishAll(tenantId, days.map((at, i) => ({ call: usageCall({ model: `p${i}`, costUsd: undefined }), at })));
    const page = (cursor?: string) => stack.bus.send(AlertOps.list, { actor: memberOf(tenantId), limit: 2, ...(cursor ? { cursor } : {}) });

    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const { data, nextCursor } = value(await page(cursor));
      seen.push(...data.map((a) => a.at));
      if (nextCursor === null) break;
      cursor = nextCursor;
      // Raised meanwhile: a newer alert lands before the first page, an older one in a page still to come.
      const at = i % 2 === 0 ? `2025-09-0${i + 1}T01:00:00.000Z` : `2025-07-0${i + 1}T01:00:00.000Z`;
      await publishAll(tenantId, [{ call: usageCall({ model: `late${i}`, costUsd: undefined }), at }]);
    }
    expect(seen).toEqual([...[...days].reverse(), '2025-07-02T01:00:00.000Z']);

    for (const bad of ['%%', 'AAAA', encodeCursor('providers', ['2025-08-01T01:00:00.000000Z', 'prv_00000000000000000000'])]) {
      expect(await page(bad)).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    }
    expect(await stack.bus.send(AlertOps.list, { actor: memberOf(tenantId), limit: 1001 })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    // Another tenant's cursor is a position in the caller's own alerts: it shows none of the first tenant's.
    expect(value(await stack.bus.send(AlertOps.list, { actor: memberOf(newTenantId()), cursor: value(await page()).nextCursor ?? undefined })).data).toEqual([]);
  });

  it('keeps per-tenant settings with versions, and evaluates with them', async () => {
    const tenantId = newTenantId();
    const admin = adminOf(tenantId);
    expect(value(await stack.bus.send(AlertOps.getSettings, { actor: memberOf(tenantId) }))).toEqual({ ...DEFAULT_ALERT_SETTINGS, version: 0 });

    const first = value(await stack.bus.send(AlertOps.putSettings, { actor: admin, changes: { errorRatePct: 50, minRequests: 4 }, expectedVersion: 0 }));
    expect(first).toEqual({ ...DEFAULT_ALERT_SETTINGS, errorRatePct: 50, minRequests: 4, version: 1 });
    const second = value(await stack.bus.send(AlertOps.putSettings, { actor: admin, changes: { windowMinutes: 10 } }));
    expect(second).toEqual({ ...DEFAULT_ALERT_SETTINGS, errorRatePct: 50, minRequests: 4, windowMinutes: 10, version: 2 });
    expect(value(await stack.bus.send(AlertOps.getSettings, { actor: admin }))).toEqual(second);

    const stale = await stack.bus.send(AlertOps.putSettings, { actor: admin, changes: { spikeFactor: 5 }, expectedVersion: 1 });
    expect(stale).toEqual({ ok: false, error: { code: 'version_conflict', message: 'alert settings are at version 2, expected 1' } });
    const member = await stack.bus.send(AlertOps.putSettings, { actor: memberOf(tenantId), changes: { spikeFactor: 5 } });
    expect(member).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const invalid = await stack.bus.send(AlertOps.putSettings, { actor: admin, changes: { errorRatePct: 150 } });
    expect(invalid).toMatchObject({ ok: false, error: { code: 'validation_failed', message: expect.stringMatching(/errorRatePct/) } });
    expect(value(await stack.bus.send(AlertOps.getSettings, { actor: admin })).version).toBe(2);

    // 10-minute windows, 50 % of at least 4: 2 of 5 failed is below, then 3 of 6 reaches it.
    now = new Date('2025-07-08T10:09:00Z');
    await publishAll(tenantId, times(5, (i) => usageCall({ status: i < 2 ? 500 : 200 }), '2025-07-08T10:01:00Z'));
    expect(await evaluate()).toBe(0);
    await publishAll(tenantId, [{ call: usageCall({ status: 429 }), at: '2025-07-08T10:08:00Z' }]);
    expect(await evaluate()).toBe(1);
    expect((await alerts(tenantId))[0]?.detail).toMatchObject({
      requests: 6,
      errors: 3,
      errorRatePct: 50,
      thresholdPct: 50,
      windowStart: '2025-07-08T10:00:00.000Z',
      windowEnd: '2025-07-08T10:10:00.000Z',
    });
  });
});
