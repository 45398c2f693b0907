import { BudgetOps, budgetPeriodOf, newId, type ReserveBudgetRequest } from '@switchboard/contracts';
import { DirectClient } from '@switchboard/messaging';
import { readStreamMessages } from '@switchboard/testing';
import { recomputeDailyAggregates } from '../projection/usage.projection.js';
import { memberOf, newTenantId, startTestStack, usageCall, value, type TestStack } from '../../test/service.harness.js';

const period = budgetPeriodOf(new Date());

describe('budget ledger (real Postgres and NATS)', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const request = (tenantId: string, overrides: Partial<ReserveBudgetRequest> = {}): ReserveBudgetRequest => ({
    tenantId,
    requestId: newId('request'),
    providerId: 'prv_budget',
    agentId: 'agt_budget',
    period,
    amountUsd: 0.25,
    limits: [{ scope: 'provider', subjectId: 'prv_budget', limitUsd: 1 }],
    ttlMs: 60_000,
    ...overrides,
  });
  // As the gateway asks: straight on NATS.
  const reserve = async (r: ReserveBudgetRequest) =>
    value(await new DirectClient(() => stack.nc, stack.names.namespace, stack.identities.identity('gateway')).request(BudgetOps.reserve, r, { timeoutMs: 5_000 }));
  const state = async (tenantId: string, scope: 'provider' | 'agent' = 'provider', subjectId = 'prv_budget') =>
    value(await stack.bus.send(BudgetOps.state, { actor: memberOf(tenantId), scope, subjectId, period }));

  it('admits exactly as many concurrent reservations as the limit holds, over the bus', async () => {
    const tenantId = newTenantId();
    const verdicts = await Promise.all(Array.from({ length: 40 }, () => reserve(request(tenantId))));
    expect(verdicts.filter((v) => v.admitted)).toHaveLength(4);
    const refused = verdicts.find((v) => !v.admitted);
    expect(refused).toEqual({ admitted: false, scope: 'provider', subjectId: 'prv_budget', limitUsd: 1, spentUsd: 0, reservedUsd: 1, leasedUsd: 0 });
    expect(await state(tenantId)).toEqual({ spentUsd: 0, reservedUsd: 1, exhausted: false });
  });

  it('settles a reservation with the call’s real cost when its usage event is projected, once', async () => {
    const tenantId = newTenantId();
    const admitted = request(tenantId, { amountUsd: 0.5 });
    expect(await reserve(admitted)).toEqual({ admitted: true });
    const call = usageCall({ requestId: admitted.requestId, providerId: 'prv_budget', agentId: 'agt_budget', costUsd: 0.125 });
    await stack.publishUsage(tenantId, call);
    await stack.publishUsage(tenantId, call, { msgId: `${call.requestId}-again` });
    await stack.projectorIdle();
    expect(await state(tenantId)).toEqual({ spentUsd: 0.125, reservedUsd: 0, exhausted: false });
    expect(await state(tenantId, 'agent', 'agt_budget')).toEqual({ spentUsd: 0.125, reservedUsd: 0, exhausted: false });
    const [row] = await stack.query<{ budget_period: string }>('SELECT budget_period FROM usage.calls WHERE request_id = $1', [call.requestId]);
    expect(row?.budget_period).toBe(period);
    // A failed call costs nothing: its reservation is released in full.
    const failed = request(tenantId, { amountUsd: 0.5 });
    await reserve(failed);
    await stack.publishUsage(tenantId, usageCall({ requestId: failed.requestId, providerId: 'prv_budget', agentId: 'agt_budget', status: 502, costUsd: 0, outputTokens: 0 }));
    await stack.projectorIdle();
    expect(await state(tenantId)).toEqual({ spentUsd: 0.125, reservedUsd: 0, exhausted: false });
  });

  it('counts spend without a budget, so a budget set later starts from what the month has cost', async () => {
    const tenantId = newTenantId();
    await stack.publishUsage(tenantId, usageCall({ providerId: 'prv_budget', agentId: 'agt_budget', costUsd: 0.75 }));
    await stack.projectorIdle();
    expect(await reserve(request(tenantId, { amountUsd: 0.25 }))).toEqual({ admitted: true });
    expect(await reserve(request(tenantId, { amountUsd: 0.25 }))).toMatchObject({ admitted: false, spentUsd: 0.75, reservedUsd: 0.25 });
  });

  it('checks the agent’s budget as well as the provider’s', async () => {
    const tenantId = newTenantId();
    const providerLimit = { scope: 'provider' as const, subjectId: 'prv_budget', limitUsd: 10 };
    const limits = [providerLimit, { scope: 'agent' as const, subjectId: 'agt_small', limitUsd: 0.5 }];
    const verdicts = await Promise.all(Array.from({ length: 6 }, () => reserve(request(tenantId, { agentId: 'agt_small', limits }))));
    expect(verdicts.filter((v) => v.admitted)).toHaveLength(2);
    expect(verdicts.find((v) => !v.admitted)).toMatchObject({ scope: 'agent', subjectId: 'agt_small', limitUsd: 0.5 });
    // Another agent of the same provider is not held back by it.
    expect(await reserve(request(tenantId, { agentId: 'agt_other', limits: [providerLimit] }))).toEqual({ admitted: true });
  });

  it('releases reservations that expire without a usage event, and still charges a late event', async () => {
    const tenantId = newTenantId();
    const lost = request(tenantId, { amountUsd: 1, ttlMs: 1_000 });
    expect(await reserve(lost)).toEqual({ admitted: true });
    expect(await reserve(request(tenantId))).toMatchObject({ admitted: false });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const swept = await stack.service.sweeper.sweep();
    expect(swept.expired).toBeGreaterThanOrEqual(1);
    expect(await state(tenantId)).toEqual({ spentUsd: 0, reservedUsd: 0, exhausted: false });
    await stack.publishUsage(tenantId, usageCall({ requestId: lost.requestId, providerId: 'prv_budget', agentId: 'agt_budget', costUsd: 0.3 }));
    await stack.projectorIdle();
    expect(await state(tenantId)).toEqual({ spentUsd: 0.3, reservedUsd: 0, exhausted: false });
  });

  it('does not expire a reservation whose usage event is on the stream but not yet projected', async () => {
    const tenantId = newTenantId();
    const held = request(tenantId, { amountUsd: 1, ttlMs: 1_000 });
    expect(await reserve(held)).toEqual({ admitted: true });
    // usage-service's projection stops (as if it had died); the call ends and its event waits on the stream.
    await stack.service.projector.stop();
    await stack.publishUsage(tenantId, usageCall({ requestId: held.requestId, providerId: 'prv_budget', agentId: 'agt_budget', costUsd: 0.75 }));
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect((await stack.service.sweeper.sweep()).expired).toBe(0);
    // Released early, the budget would take another full call while the event still waits to be charged.
    expect(await reserve(request(tenantId, { amountUsd: 0.5 }))).toMatchObject({ admitted: false });
    const replica = await stack.startInstance('usage-service-horizon');
    await stack.projectorIdle();
    expect(await state(tenantId)).toEqual({ spentUsd: 0.75, reservedUsd: 0, exhausted: false });
    expect((await replica.sweeper.sweep()).expired).toBe(0);
  });

  it('raises budget.exhausted once when spend reaches the limit, and budget.restored when the limit is raised', async () => {
    const tenantId = newTenantId();
    for (let i = 0; i < 2; i++) {
      const r = request(tenantId, { amountUsd: 0.5 });
      expect(await reserve(r)).toEqual({ admitted: true });
      await stack.publishUsage(tenantId, usageCall({ requestId: r.requestId, providerId: 'prv_budget', agentId: 'agt_budget', costUsd: 0.5 }));
    }
    await stack.projectorIdle();
    expect(await state(tenantId)).toEqual({ spentUsd: 1, reservedUsd: 0, exhausted: true });
    // Refusals and sweeps after that record nothing more.
    expect(await reserve(request(tenantId, { amountUsd: 0.01 }))).toMatchObject({ admitted: false, spentUsd: 1 });
    await stack.service.sweeper.sweep();
    // Raised to 2 USD: the next admission restores the budget.
    const raised = [{ scope: 'provider' as const, subjectId: 'prv_budget', limitUsd: 2 }];
    expect(await reserve(request(tenantId, { amountUsd: 0.01, limits: raised }))).toEqual({ admitted: true });
    expect(await state(tenantId)).toMatchObject({ exhausted: false });

    const events = await waitForBudgetEvents(stack, tenantId, 2);
    expect(events.map((e) => e['type'])).toEqual(['budget.exhausted', 'budget.restored']);
    expect(events[0]).toMatchObject({ tenantId, scope: 'provider', subjectId: 'prv_budget', period, limitUsd: 1, spentUsd: 1 });
    expect(events[1]).toMatchObject({ tenantId, scope: 'provider', subjectId: 'prv_budget', period, limitUsd: 2, spentUsd: 1 });

    // 50 % and 100 % were crossed by the two charges (80 % with the second), each alerted once; the agent has no limit.
    const alerts = await stack.query<{ subject: string; detail: { percent: number } }>(
      `SELECT subject, detail FROM usage.alerts WHERE tenant_id = $1 AND kind = 'budget_threshold' ORDER BY (detail->>'percent')::int`,
      [tenantId],
    );
    expect(alerts.map((a) => [a.subject, a.detail.percent])).toEqual([
      ['provider:prv_budget', 50],
      ['provider:prv_budget', 80],
      ['provider:prv_budget', 100],
    ]);
    const alertEvents = await readStreamMessages(stack.names, stack.names.event(tenantId, 'alert.raised'));
    expect(alertEvents.map((m) => m.data['kind'])).toEqual(['budget_threshold', 'budget_threshold', 'budget_threshold']);
  });

  it('answers a malformed admission with validation_failed, not a reservation', async () => {
    const client = new DirectClient(() => stack.nc, stack.names.namespace, stack.identities.identity('gateway'));
    const result = await client.request(BudgetOps.reserve, { ...request(newTenantId()), amountUsd: -1 }, { timeoutMs: 5_000 });
    expect(result).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
  });

  it('leases a sixteenth of what is left at most, settles leased calls off the lease, and takes back the unused part', async () => {
    const tenantId = newTenantId();
    const client = new DirectClient(() => stack.nc, stack.names.namespace, stack.identities.identity('gateway'));
    const lease = async (amountUsd: number, minUsd = 0.01) =>
      value(
        await client.request(
          BudgetOps.lease,
          { ...request(tenantId), leaseId: newId('request'), amountUsd, minUsd },
          { timeoutMs: 5_000 },
        ),
      );
    const leaseId = newId('request');
    const granted = value(
      await client.request(BudgetOps.lease, { ...request(tenantId), leaseId, amountUsd: 0.5, minUsd: 0.01 }, { timeoutMs: 5_000 }),
    );
    // 1 USD left: at most 1/16 of it.
    expect(granted.grantedUsd).toBeCloseTo(1 / 16, 12);
    expect(await state(tenantId)).toMatchObject({ reservedUsd: 0.0625 });
    // Two calls admitted under the lease (0.02 each at worst), one settles at 0.015, one failed at 0.
    const calls = [0.015, 0].map((costUsd) =>
      usageCall({ providerId: 'prv_budget', agentId: 'agt_budget', costUsd, budgetLease: { leaseId, reservedUsd: 0.02 } }),
    );
    for (const call of calls) await stack.publishUsage(tenantId, call);
    await stack.publishUsage(tenantId, calls[0] as never, { msgId: 'redelivered' });
    await stack.projectorIdle();
    expect(await state(tenantId)).toEqual({ spentUsd: 0.015, reservedUsd: 0.0225, exhausted: false });
    // The gateway used 0.04 of it: 0.0225 comes back.
    expect(value(await client.request(BudgetOps.returnLease, { tenantId, leaseId, unusedUsd: 0.0225 }, { timeoutMs: 5_000 }))).toEqual({
      returnedUsd: 0.0225,
    });
    expect(await state(tenantId)).toEqual({ spentUsd: 0.015, reservedUsd: 0, exhausted: false });
    // Under one call's worst case after the share: nothing.
    expect((await lease(1, 0.5)).grantedUsd).toBe(0);
    // A refusal tells how much open leases hold.
    await lease(0.05);
    const refused = await reserve(request(tenantId, { amountUsd: 0.99 }));
    expect(refused).toMatchObject({ admitted: false, leasedUsd: expect.closeTo(0.05, 12) });
  });

  it('rebuilds the same spend and reservations from the calls and the outstanding reservations', async () => {
    const tenantId = newTenantId();
    await reserve(request(tenantId, { amountUsd: 0.2 }));
    const settled = request(tenantId, { amountUsd: 0.3 });
    await reserve(settled);
    await stack.publishUsage(tenantId, usageCall({ requestId: settled.requestId, providerId: 'prv_budget', agentId: 'agt_budget', costUsd: 0.05 }));
    await stack.projectorIdle();
    const ledger = () =>
      stack.query<Record<string, unknown>>(
        `SELECT tenant_id, scope, subject_id, period, spent_usd::float8 AS spent_usd, reserved_usd::float8 AS reserved_usd FROM usage.budget_ledger ORDER BY 1, 2, 3, 4`,
      );
    const live = await ledger();
    expect(live.filter((r) => r['tenant_id'] === tenantId)).toEqual([
      { tenant_id: tenantId, scope: 'agent', subject_id: 'agt_budget', period, spent_usd: 0.05, reserved_usd: 0.2 },
      { tenant_id: tenantId, scope: 'provider', subject_id: 'prv_budget', period, spent_usd: 0.05, reserved_usd: 0.2 },
    ]);
    await stack.query(`UPDATE usage.budget_ledger SET spent_usd = 42, reserved_usd = 42 WHERE tenant_id = $1`, [tenantId]);
    await recomputeDailyAggregates(stack.service.store.dataSource);
    expect(await ledger()).toEqual(live);
  });

  it('refuses the state of a budget to keys that are not an admin’s or member’s', async () => {
    const tenantId = newTenantId();
    const result = await stack.bus.send(BudgetOps.state, {
      actor: { tenantId, keyId: 'key_agent', role: 'agent', agentId: 'agt_budget' },
      scope: 'provider',
      subjectId: 'prv_budget',
      period,
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });
});

async function waitForBudgetEvents(stack: TestStack, tenantId: string, count: number): Promise<Record<string, unknown>[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const messages = await readStreamMessages(stack.names, stack.names.event(tenantId, 'budget.*'));
    const events = messages.map((m) => m.data);
    if (events.length >= count || Date.now() > deadline) return events;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
