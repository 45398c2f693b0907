import { newId, ProvidersOps } from '@switchboard/contracts';
import { ProjectionRunner } from '@switchboard/event-store';
import { adminOf, newKeyHash, operator, startTestStack, type TestStack, value } from '../../test/service.harness.js';
import { projectInline } from './inline-projection.js';
import { SCHEMA } from './read-models.migrations.js';
import { readModelsProjection } from './read-models.projection.js';

let stack: TestStack;

function store() {
  const [service] = stack.services;
  if (!service) throw new Error('no service running');
  return service.store;
}

/** Every read-model row; last_used_at is left out because it is not derived from events. */
async function snapshot(): Promise<Record<string, unknown[]>> {
  const db = store().dataSource;
  const tables: Record<string, unknown[]> = {};
  for (const table of ['tenants', 'access_keys', 'providers', 'models', 'agents', 'agent_starts', 'agent_stops']) {
    const order = table === 'agent_stops' ? 'agent_id, position' : 'id';
    const rows: Record<string, unknown>[] = await db.query(`SELECT * FROM ${SCHEMA}.${table} ORDER BY ${order}`);
    tables[table] = rows.map(({ last_used_at: _lastUsed, ...row }) => row);
  }
  return tables;
}

beforeAll(async () => {
  stack = await startTestStack(1);
});

afterAll(async () => {
  await stack?.stop();
});

describe('read models', () => {
  it('are rebuilt from the events into exactly the rows the inline projection wrote', async () => {
    const adminKeyId = newId('key');
    const tenant = value(
      await stack.bus.send(ProvidersOps.createTenant, { actor: operator, name: 'Rebuild', adminKeyId, adminKeyHash: newKeyHash() }),
    );
    const admin = adminOf(tenant.id, adminKeyId);
    const send = stack.bus.send.bind(stack.bus);

    const kept = value(await send(ProvidersOps.registerProvider, { actor: admin, body: { name: 'Kept', type: 'anthropic' } }));
    const gone = value(await send(ProvidersOps.registerProvider, { actor: admin, body: { name: 'Gone', type: 'openai', secretId: 'sec_x' } }));
    value(await send(ProvidersOps.addModel, { actor: admin, providerId: kept.id, body: { name: 'claude', outputUsdPerMTok: 15 } }));
    value(await send(ProvidersOps.updateProvider, { actor: admin, id: kept.id, changes: { monthlyBudgetUsd: 50, defaultModel: 'claude' } }));
    value(await send(ProvidersOps.addModel, { actor: admin, providerId: kept.id, body: { name: 'cheap', inputUsdPerMTok: 1, outputUsdPerMTok: 2, cachedInputUsdPerMTok: 0.1 } }));
    value(await send(ProvidersOps.updateTenantSettings, { actor: admin, changes: { unpricedModels: 'refuse' } }));
    // A model.added recorded before cached-input prices existed still folds, with that price unset.
    const legacyId = newId('model');
    const legacy = await store().dataSource.transaction(async (tx) => {
      const appended = await store().append(tx, {
        streamId: `model-${legacyId}`,
        expectedVersion: 0,
        tenantId: tenant.id,
        events: [{ eventId: newId('event'), type: 'ModelAdded', data: { modelId: legacyId, providerId: kept.id, name: 'legacy', upstreamModel: 'legacy', source: 'manual', inputUsdPerMTok: 3, outputUsdPerMTok: 4 } }],
        metadata: { actor: null },
        at: new Date(),
      });
      if (!appended.ok) throw new Error('legacy append failed');
      return projectInline(tx, appended.value);
    });
    expect(legacy.ok).toBe(true);
    const removed = value(await send(ProvidersOps.addModel, { actor: admin, providerId: kept.id, body: { name: 'old' } }));
    value(await send(ProvidersOps.removeModel, { actor: admin, id: removed.id }));
    value(await send(ProvidersOps.addModel, { actor: admin, providerId: gone.id, body: { name: 'goes-with-provider' } }));
    value(await send(ProvidersOps.deleteProvider, { actor: admin, id: gone.id }));
    const agent = value(await send(ProvidersOps.createAgent, { actor: admin, body: { name: 'Writer', providerId: kept.id, monthlyBudgetUsd: 9 } }));
    value(await send(ProvidersOps.updateAgent, { actor: admin, id: agent.id, changes: { delivery: 'direct', model: 'claude', monthlyBudgetUsd: 12.5 } }));
    const dropped = value(await send(ProvidersOps.createAgent, { actor: admin, body: { name: 'Dropped', providerId: kept.id } }));
    value(await send(ProvidersOps.deleteAgent, { actor: admin, id: dropped.id }));
    const keyId = newId('key');
    value(await send(ProvidersOps.createKey, { actor: admin, keyId, keyHash: newKeyHash(), body: { name: 'bot', role: 'agent', agentId: agent.id } }));
    value(await send(ProvidersOps.revokeKey, { actor: admin, id: keyId }));
    const first = value(await send(ProvidersOps.startAgent, { actor: admin, id: agent.id, recipientId: 'rcp_1' }));
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const issue = (startId: string) =>
      stack.busAs('credentials').send(ProvidersOps.issueAgentKey, { tenantId: tenant.id, agentId: agent.id, startId, keyId: newId('key'), keyHash: newKeyHash(), expiresAt });
    value(await issue(first.startId));
    value(await send(ProvidersOps.stopAgent, { actor: admin, id: agent.id }));
    const running = value(await send(ProvidersOps.startAgent, { actor: admin, id: agent.id, recipientId: 'rcp_2' }));
    value(await issue(running.startId));
    // Starts racing stops: each start ends up stopped by the first stop positioned after it, inline as rebuilt.
    const racing = value(await send(ProvidersOps.createAgent, { actor: admin, body: { name: 'Racer', providerId: kept.id } }));
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all([
        ...Array.from({ length: 6 }, () => send(ProvidersOps.startAgent, { actor: admin, id: racing.id, recipientId: 'rcp_3' })),
        send(ProvidersOps.stopAgent, { actor: admin, id: racing.id }),
        ...Array.from({ length: 6 }, () => send(ProvidersOps.startAgent, { actor: admin, id: racing.id, recipientId: 'rcp_3' })),
      ]);
      for (const result of results) expect(result.ok ? null : result.error).toBeNull();
    }

    const before = await snapshot();
    expect(before['providers']).toHaveLength(2);
    expect(before['agents']).toEqual(expect.arrayContaining([expect.objectContaining({ id: agent.id, monthly_budget_usd: 12.5 })]));
    expect(before['tenants']).toEqual([expect.objectContaining({ id: tenant.id, unpriced_models: 'refuse', version: 2 })]);
    expect(before['models']).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'cheap', input_usd_per_mtok: 1, output_usd_per_mtok: 2, cached_input_usd_per_mtok: 0.1 }),
        expect.objectContaining({ id: legacyId, input_usd_per_mtok: 3, output_usd_per_mtok: 4, cached_input_usd_per_mtok: null }),
      ]),
    );
    expect(before['agent_starts']).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: first.startId, stopped_at: expect.any(Date) }),
        expect.objectContaining({ id: running.startId, stopped_at: null }),
      ]),
    );
    const applied = await new ProjectionRunner(store(), readModelsProjection).rebuild();
    expect(applied).toBeGreaterThanOrEqual(22);
    expect(await snapshot()).toEqual(before);
  });

  it('read an agent recorded before budgets as having none, rebuilt and when updated', async () => {
    const adminKeyId = newId('key');
    const tenant = value(
      await stack.bus.send(ProvidersOps.createTenant, { actor: operator, name: 'Old agents', adminKeyId, adminKeyHash: newKeyHash() }),
    );
    const admin = adminOf(tenant.id, adminKeyId);
    const provider = value(await stack.bus.send(ProvidersOps.registerProvider, { actor: admin, body: { name: 'P', type: 'openai' } }));
    const agent = value(await stack.bus.send(ProvidersOps.createAgent, { actor: admin, body: { name: 'Old', providerId: provider.id } }));
    const db = store().dataSource;
    // The event as it was written before agents had budgets, and the row as the migration left it.
    await db.query(`UPDATE ${SCHEMA}.events SET data = data - 'monthlyBudgetUsd' WHERE type = 'AgentCreated' AND data->>'agentId' = $1`, [agent.id]);
    const [stored]: { data: Record<string, unknown> }[] = await db.query(`SELECT data FROM ${SCHEMA}.events WHERE type = 'AgentCreated' AND data->>'agentId' = $1`, [agent.id]);
    expect(stored?.data).not.toHaveProperty('monthlyBudgetUsd');

    await new ProjectionRunner(store(), readModelsProjection).rebuild();
    expect(value(await stack.bus.send(ProvidersOps.getAgent, { actor: admin, id: agent.id }))).toMatchObject({ monthlyBudgetUsd: null, version: 1 });
    // Folded as none: removing the budget changes nothing, setting one records it.
    const update = (monthlyBudgetUsd: number | null) =>
      stack.bus.send(ProvidersOps.updateAgent, { actor: admin, id: agent.id, changes: { monthlyBudgetUsd } });
    expect(value(await update(null)).version).toBe(1);
    expect(value(await update(5))).toMatchObject({ monthlyBudgetUsd: 5, version: 2 });
  });
});
