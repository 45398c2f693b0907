import { DEFAULT_QUOTAS, newId, ProvidersOps, type Actor, type QuotaKind, type Result } from '@switchboard/contracts';
import { SCHEMA } from '../../read-models/read-models.migrations.js';
import { createTenant, errorCode, newKeyHash, operator, startTestStack, value, type TestStack } from '../../../test/service.harness.js';

let stack: TestStack;
const DEPLOYMENT_AGENTS = 3;

beforeAll(async () => {
  // As SWITCHBOARD_QUOTA_AGENTS=3 would configure it; every other kind keeps its default.
  stack = await startTestStack(1, { quotas: { ...DEFAULT_QUOTAS, agents: DEPLOYMENT_AGENTS } });
});

afterAll(async () => {
  await stack?.stop();
});

interface Tenant {
  readonly tenantId: string;
  readonly admin: Actor;
  readonly providerId: string;
}

let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}`;

async function newTenant(): Promise<Tenant> {
  const { tenantId, admin } = await createTenant(stack, unique('tenant'));
  const provider = value(await stack.bus.send(ProvidersOps.registerProvider, { actor: admin, body: { name: 'base', type: 'openai' } }));
  return { tenantId, admin, providerId: provider.id };
}

/** One more of each kind, the way the gateway asks for it. */
const create: Record<Exclude<QuotaKind, 'secrets' | 'recipients' | 'webhooks'>, (t: Tenant) => Promise<Result<unknown>>> = {
  providers: (t) => stack.bus.send(ProvidersOps.registerProvider, { actor: t.admin, body: { name: unique('p'), type: 'openai' } }),
  models: (t) => stack.bus.send(ProvidersOps.addModel, { actor: t.admin, providerId: t.providerId, body: { name: unique('m') } }),
  agents: (t) => stack.bus.send(ProvidersOps.createAgent, { actor: t.admin, body: { name: unique('a'), providerId: t.providerId } }),
  keys: (t) => stack.bus.send(ProvidersOps.createKey, { actor: t.admin, keyId: newId('key'), keyHash: newKeyHash(), body: { name: unique('k'), role: 'member' } }),
};
const KINDS = Object.keys(create) as (keyof typeof create)[];

async function setQuotas(tenantId: string, changes: Partial<Record<QuotaKind, number | null>>) {
  return value(await stack.bus.send(ProvidersOps.setTenantQuotas, { actor: operator, tenantId, changes }));
}

/** What the tenant has written: its events, and its outbox rows (written in the same transaction). */
async function written(tenantId: string): Promise<{ events: number; outbox: number }> {
  const [service] = stack.services;
  if (!service) throw new Error('no service running');
  const [row] = await service.store.dataSource.query(
    `SELECT (SELECT count(*)::int FROM ${SCHEMA}.events WHERE tenant_id = $1) AS events,
            (SELECT count(*)::int FROM ${SCHEMA}.outbox o JOIN ${SCHEMA}.events e ON e.event_id = o.event_id WHERE e.tenant_id = $1) AS outbox`,
    [tenantId],
  );
  return row as { events: number; outbox: number };
}

describe('tenant quotas in providers-service', () => {
  it.each(KINDS)('refuses the %s past the tenant’s limit with quota_exceeded naming kind and limit, and writes nothing', async (kind) => {
    const t = await newTenant();
    const used = value(await stack.bus.send(ProvidersOps.tenantQuotas, { actor: operator, tenantId: t.tenantId }))[kind]?.used ?? NaN;
    const limit = used + 2;
    expect((await setQuotas(t.tenantId, { [kind]: limit }))[kind]).toEqual({ limit, source: 'tenant', used });

    for (let i = 0; i < 2; i++) value(await create[kind](t));
    const before = await written(t.tenantId);
    const refused = await create[kind](t);
    expect(refused.ok ? null : refused.error).toEqual({
      code: 'quota_exceeded',
      message: `the tenant has reached its quota of ${limit} ${kind}; delete some or ask the operator to raise it`,
      details: { kind, limit },
    });
    expect(await written(t.tenantId)).toEqual(before);
    expect(value(await stack.bus.send(ProvidersOps.tenantQuotas, { actor: operator, tenantId: t.tenantId }))[kind]).toEqual({
      limit,
      source: 'tenant',
      used: limit,
    });

    // Raising the limit (or clearing the tenant's own back to the deployment's) lets the next one in.
    await setQuotas(t.tenantId, { [kind]: null });
    value(await create[kind](t));
  });

  it.each(KINDS)('lets exactly one of eight concurrent %s creates take the last place', async (kind) => {
    const t = await newTenant();
    const used = value(await stack.bus.send(ProvidersOps.tenantQuotas, { actor: operator, tenantId: t.tenantId }))[kind]?.used ?? NaN;
    await setQuotas(t.tenantId, { [kind]: used + 1 });
    const before = await written(t.tenantId);
    const results = await Promise.all(Array.from({ length: 8 }, () => create[kind](t)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).map(errorCode)).toEqual(Array(7).fill('quota_exceeded'));
    const view = value(await stack.bus.send(ProvidersOps.tenantQuotas, { actor: operator, tenantId: t.tenantId }));
    expect(view[kind]?.used).toBe(used + 1);
    // The one create wrote its events; the seven refused ones wrote none.
    const after = await written(t.tenantId);
    expect(after.events - before.events).toBe(1);
  });

  it('applies the deployment-wide limit to a tenant without its own, and counts a deleted agent no more', async () => {
    const t = await newTenant();
    const agents = [];
    for (let i = 0; i < DEPLOYMENT_AGENTS; i++) agents.push(value(await create.agents(t)) as { id: string });
    const [firstAgent] = agents;
    expect(errorCode(await create.agents(t))).toBe('quota_exceeded');
    expect(value(await stack.bus.send(ProvidersOps.tenantQuotas, { actor: operator, tenantId: t.tenantId })).agents).toEqual({
      limit: DEPLOYMENT_AGENTS,
      source: 'default',
      used: DEPLOYMENT_AGENTS,
    });
    value(await stack.bus.send(ProvidersOps.deleteAgent, { actor: t.admin, id: firstAgent?.id ?? '' }));
    value(await create.agents(t));
  });

  it('records discovered models up to the quota and says how many were left out', async () => {
    const t = await newTenant();
    await setQuotas(t.tenantId, { models: 3 });
    const listing = ['m-a', 'm-b', 'm-c', 'm-d', 'm-e'].map((upstreamModel) => ({ upstreamModel, createdAt: null }));
    const first = value(await stack.bus.send(ProvidersOps.recordDiscoveredModels, { actor: t.admin, providerId: t.providerId, models: listing }));
    // The first ones in the upstream's order (models discovered together share their createdAt, so sort to compare).
    expect(first.data.map((m) => m.name).sort()).toEqual(['m-a', 'm-b', 'm-c']);
    expect(first).toMatchObject({ omitted: 2, nextCursor: null });
    expect(errorCode(await create.models(t))).toBe('quota_exceeded');

    await setQuotas(t.tenantId, { models: 4 });
    const second = value(await stack.bus.send(ProvidersOps.recordDiscoveredModels, { actor: t.admin, providerId: t.providerId, models: listing }));
    expect(second.data.map((m) => m.name).sort()).toEqual(['m-a', 'm-b', 'm-c', 'm-d']);
    expect(second.omitted).toBe(1);

    await setQuotas(t.tenantId, { models: null });
    const third = value(await stack.bus.send(ProvidersOps.recordDiscoveredModels, { actor: t.admin, providerId: t.providerId, models: listing }));
    expect(third.data).toHaveLength(5);
    expect(third.omitted).toBe(0);
  });

  it('lets only the operator read or set quotas, of a tenant that exists, for the kinds this service keeps', async () => {
    const t = await newTenant();
    expect(errorCode(await stack.bus.send(ProvidersOps.setTenantQuotas, { actor: t.admin, tenantId: t.tenantId, changes: { providers: 1000 } }))).toBe(
      'forbidden',
    );
    expect(errorCode(await stack.bus.send(ProvidersOps.tenantQuotas, { actor: t.admin, tenantId: t.tenantId }))).toBe('forbidden');
    expect(errorCode(await stack.bus.send(ProvidersOps.tenantQuotas, { actor: operator, tenantId: 'ten_00000000000000000000' }))).toBe(
      'tenant_not_found',
    );
    expect(errorCode(await stack.bus.send(ProvidersOps.setTenantQuotas, { actor: operator, tenantId: t.tenantId, changes: { secrets: 5 } }))).toBe(
      'validation_failed',
    );
    expect(errorCode(await stack.bus.send(ProvidersOps.setTenantQuotas, { actor: operator, tenantId: t.tenantId, changes: { providers: -1 } }))).toBe(
      'validation_failed',
    );
    expect(value(await stack.bus.send(ProvidersOps.tenantQuotas, { actor: operator, tenantId: t.tenantId }))).toEqual({
      providers: { limit: DEFAULT_QUOTAS.providers, source: 'default', used: 1 },
      models: { limit: DEFAULT_QUOTAS.models, source: 'default', used: 0 },
      agents: { limit: DEPLOYMENT_AGENTS, source: 'default', used: 0 },
      keys: { limit: DEFAULT_QUOTAS.keys, source: 'default', used: 1 },
    });
  });
});
