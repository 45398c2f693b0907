import { isDeepStrictEqual } from 'node:util';
import { newId, ProvidersOps, type Actor, type AgentView, type ModelView, type ProviderView, type Result } from '@switchboard/contracts';
import { withSpan } from '@switchboard/telemetry';
import { newKeyHash, operator, startTestStack, type TestStack, value, createTenant } from '../test/service.harness.js';

let stack: TestStack;

function errorCode(result: Result<unknown>): string | undefined {
  return result.ok ? undefined : result.error.code;
}

const newTenant = (name: string) => createTenant(stack, name);

/** The tenant's last event of a bus type once the relay has published the one `expected` describes (or the last one after 5 s). */
async function publishedLike(tenantId: string, busType: string, expected: Record<string, unknown>): Promise<unknown> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const data = (await stack.lastEvent(tenantId, busType))?.json<Record<string, unknown>>();
    if ((data !== undefined && isDeepStrictEqual(pick(data, Object.keys(expected)), expected)) || Date.now() > deadline) return data;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
const pick = (data: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, data[k]]));

async function newProvider(actor: Actor, name: string): Promise<ProviderView> {
  return value(await stack.bus.send(ProvidersOps.registerProvider, { actor, body: { name, type: 'openai', secretId: 'sec_1' } }));
}

beforeAll(async () => {
  stack = await startTestStack(1);
});

afterAll(async () => {
  await stack?.stop();
});

describe('providers-service over the bus', () => {
  it('reports its database as healthy', async () => {
    expect(await stack.bus.send(ProvidersOps.health, {})).toEqual({ ok: true, value: { postgres: true } });
  });

  it('initialises the operator key once and resolves it', async () => {
    const keyHash = newKeyHash();
    expect(value(await stack.bus.send(ProvidersOps.initOperatorKey, { keyHash }))).toEqual({ created: true });
    expect(value(await stack.bus.send(ProvidersOps.initOperatorKey, { keyHash: newKeyHash() }))).toEqual({ created: false });
    expect(value(await stack.bus.send(ProvidersOps.resolveKey, { keyHash }))).toEqual({
      keyId: 'operator',
      tenantId: null,
      role: 'operator',
      agentId: null,
    });
    expect(errorCode(await stack.bus.send(ProvidersOps.resolveKey, { keyHash: newKeyHash() }))).toBe('unauthorized');
  });

  it('goes from tenant to key, provider, model and agent', async () => {
    const { tenantId, admin, adminKeyHash } = await newTenant('Acme');
    expect(value(await stack.bus.send(ProvidersOps.resolveKey, { keyHash: adminKeyHash }))).toMatchObject({
      keyId: admin.keyId,
      tenantId,
      role: 'admin',
    });

    const memberKeyId = newId('key');
    const member = value(
      await stack.bus.send(ProvidersOps.createKey, { actor: admin, keyId: memberKeyId, keyHash: newKeyHash(), body: { name: 'ci', role: 'member' } }),
    );
    expect(member).toMatchObject({ id: memberKeyId, name: 'ci', role: 'member', agentId: null, lastUsedAt: null });
    const keys = value(await stack.bus.send(ProvidersOps.listKeys, { actor: admin })).data;
    expect(keys.map((k) => k.id).sort()).toEqual([admin.keyId, memberKeyId].sort());
    expect(keys.find((k) => k.id === admin.keyId)?.lastUsedAt).not.toBeNull();

    const { provider, traceId } = await withSpan('spec: register provider', {}, async (span) => ({
      provider: await newProvider(admin, 'OpenAI main'),
      traceId: span.spanContext().traceId,
    }));
    expect(provider).toMatchObject({
      name: 'OpenAI main',
      type: 'openai',
      endpoint: 'https://api.openai.com/v1',
      protocol: 'openai',
      authMethod: 'bearer',
      credential: { secretId: 'sec_1', hint: null, version: null },
      modelCount: 0,
      version: 1,
    });
    const registered = await stack.lastEvent(tenantId, 'provider.registered');
    expect(registered?.json()).toMatchObject({ type: 'provider.registered', tenantId, providerId: provider.id });
    // The event continues the trace of the request that caused it.
    expect(registered?.header?.get('traceparent')).toContain(`-${traceId}-`);

    const model: ModelView = value(
      await stack.bus.send(ProvidersOps.addModel, { actor: admin, providerId: provider.id, body: { name: 'gpt-4o', inputUsdPerMTok: 2.5 } }),
    );
    // The input price set here wins; the output price comes from the catalogue; cached input follows the set input price.
    expect(model).toMatchObject({
      name: 'gpt-4o',
      upstreamModel: 'gpt-4o',
      source: 'manual',
      price: { inputUsdPerMTok: 2.5, outputUsdPerMTok: 10, cachedInputUsdPerMTok: 2.5, source: 'override', catalogModel: 'openai/gpt-4o' },
      priceKnown: true,
    });
    expect(value(await stack.bus.send(ProvidersOps.listModels, { actor: admin, providerId: provider.id })).data).toEqual([model]);
    expect(value(await stack.bus.send(ProvidersOps.getProvider, { actor: admin, id: provider.id })).modelCount).toBe(1);

    const agent: AgentView = value(
      await stack.bus.send(ProvidersOps.createAgent, { actor: admin, body: { name: 'planner', providerId: provider.id, model: 'gpt-4o' } }),
    );
    expect(agent).toMatchObject({ name: 'planner', providerId: provider.id, model: 'gpt-4o', delivery: 'proxy', version: 1 });
    expect(value(await stack.bus.send(ProvidersOps.listAgents, { actor: admin })).data).toEqual([agent]);

    const agentKeyHash = newKeyHash();
    const agentKeyId = newId('key');
    value(
      await stack.bus.send(ProvidersOps.createKey, {
        actor: admin,
        keyId: agentKeyId,
        keyHash: agentKeyHash,
        body: { name: 'planner key', role: 'agent', agentId: agent.id },
      }),
    );
    expect(value(await stack.bus.send(ProvidersOps.resolveKey, { keyHash: agentKeyHash }))).toEqual({
      keyId: agentKeyId,
      tenantId,
      role: 'agent',
      agentId: agent.id,
    });
    const missingAgent = { name: 'ghost', role: 'agent', agentId: newId('agent') } as const;
    expect(
      errorCode(await stack.bus.send(ProvidersOps.createKey, { actor: admin, keyId: newId('key'), keyHash: newKeyHash(), body: missingAgent })),
    ).toBe('agent_not_found');

    value(await stack.bus.send(ProvidersOps.revokeKey, { actor: admin, id: agentKeyId }));
    expect(errorCode(await stack.bus.send(ProvidersOps.resolveKey, { keyHash: agentKeyHash }))).toBe('unauthorized');
    expect(errorCode(await stack.bus.send(ProvidersOps.revokeKey, { actor: admin, id: agentKeyId }))).toBe('key_not_found');

    value(await stack.bus.send(ProvidersOps.updateProvider, { actor: admin, id: provider.id, changes: { rateLimitRpm: 600 } }));
    const history = value(await stack.bus.send(ProvidersOps.providerHistory, { actor: admin, id: provider.id })).data;
    expect(history).toEqual([
      expect.objectContaining({ type: 'provider.registered', actor: admin.keyId, version: 1 }),
      expect.objectContaining({ type: 'provider.updated', actor: admin.keyId, version: 2, changes: { rateLimitRpm: 600 } }),
    ]);
    expect(history[0]?.changes).toMatchObject({ name: 'OpenAI main', secretId: 'sec_1' });
  });

  it('keeps names unique: providers per tenant (any case), models per provider, agents per tenant', async () => {
    const { admin } = await newTenant('Names');
    const provider = await newProvider(admin, 'Shared');
    const again = await stack.bus.send(ProvidersOps.registerProvider, { actor: admin, body: { name: 'shared', type: 'anthropic' } });
    expect(errorCode(again)).toBe('provider_name_taken');

    const racing = await Promise.all(
      [1, 2, 3].map(() => stack.bus.send(ProvidersOps.registerProvider, { actor: admin, body: { name: 'Race', type: 'openai' } })),
    );
    expect(racing.filter((r) => r.ok)).toHaveLength(1);
    expect(racing.filter((r) => !r.ok).map(errorCode)).toEqual(['provider_name_taken', 'provider_name_taken']);

    const addModel = () => stack.bus.send(ProvidersOps.addModel, { actor: admin, providerId: provider.id, body: { name: 'm1' } });
    value(await addModel());
    expect(errorCode(await addModel())).toBe('model_name_taken');

    const createAgent = () => stack.bus.send(ProvidersOps.createAgent, { actor: admin, body: { name: 'bot', providerId: provider.id } });
    value(await createAgent());
    expect(errorCode(await createAgent())).toBe('agent_name_taken');

    const other = await newProvider(admin, 'Other');
    const renamed = await stack.bus.send(ProvidersOps.updateProvider, { actor: admin, id: other.id, changes: { name: 'SHARED' } });
    expect(errorCode(renamed)).toBe('provider_name_taken');
  });

  it('applies If-Match: a stale version is a conflict, a current one wins, a no-op changes nothing', async () => {
    const { admin } = await newTenant('Versions');
    const provider = await newProvider(admin, 'Versioned');
    const update = (expectedVersion: number, rateLimitRpm: number) =>
      stack.bus.send(ProvidersOps.updateProvider, { actor: admin, id: provider.id, expectedVersion, changes: { rateLimitRpm } });

    expect(value(await update(1, 100)).version).toBe(2);
    const stale = await update(1, 200);
    expect(stale.ok ? null : stale.error).toMatchObject({ code: 'version_conflict' });
    expect(value(await update(2, 100)).version).toBe(2);
    expect(value(await stack.bus.send(ProvidersOps.getProvider, { actor: admin, id: provider.id })).rateLimitRpm).toBe(100);
  });

  it('refuses to delete a provider agents use, naming its dependents, and deletes it with its models after', async () => {
    const { admin } = await newTenant('Guard');
    const provider = await newProvider(admin, 'Guarded');
    const model = value(await stack.bus.send(ProvidersOps.addModel, { actor: admin, providerId: provider.id, body: { name: 'm' } }));
    const agent = value(await stack.bus.send(ProvidersOps.createAgent, { actor: admin, body: { name: 'a', providerId: provider.id } }));

    const refused = await stack.bus.send(ProvidersOps.deleteProvider, { actor: admin, id: provider.id });
    expect(refused.ok ? null : refused.error).toMatchObject({
      code: 'provider_in_use',
      details: { dependents: { agents: [agent.id], models: [model.id] } },
    });

    value(await stack.bus.send(ProvidersOps.deleteAgent, { actor: admin, id: agent.id }));
    value(await stack.bus.send(ProvidersOps.deleteProvider, { actor: admin, id: provider.id }));
    expect(errorCode(await stack.bus.send(ProvidersOps.getProvider, { actor: admin, id: provider.id }))).toBe('provider_not_found');
    expect(errorCode(await stack.bus.send(ProvidersOps.providerHistory, { actor: admin, id: provider.id }))).toBe('provider_not_found');
    expect(errorCode(await stack.bus.send(ProvidersOps.removeModel, { actor: admin, id: model.id }))).toBe('model_not_found');
    const late = await stack.bus.send(ProvidersOps.createAgent, { actor: admin, body: { name: 'late', providerId: provider.id } });
    expect(errorCode(late)).toBe('provider_not_found');
    expect((await newProvider(admin, 'Guarded')).name).toBe('Guarded');
  });

  it('never lets an agent be created for a provider whose deletion races it', async () => {
    const { admin } = await newTenant('Race guard');
    for (let round = 0; round < 5; round++) {
      const provider = await newProvider(admin, `Racy ${round}`);
      const [created, deleted] = await Promise.all([
        stack.bus.send(ProvidersOps.createAgent, { actor: admin, body: { name: `racer ${round}`, providerId: provider.id } }),
        stack.bus.send(ProvidersOps.deleteProvider, { actor: admin, id: provider.id }),
      ]);
      // Exactly one wins; never both (an agent left pointing at a deleted provider).
      expect([created.ok, deleted.ok].filter(Boolean)).toHaveLength(1);
      if (created.ok) expect(errorCode(deleted)).toBe('provider_in_use');
      else expect(errorCode(created)).toBe('provider_not_found');
    }
  });

  it("reports another tenant's resources exactly like missing ones", async () => {
    const a = await newTenant('Tenant A');
    const b = await newTenant('Tenant B');
    const provider = await newProvider(a.admin, 'Private');
    const model = value(await stack.bus.send(ProvidersOps.addModel, { actor: a.admin, providerId: provider.id, body: { name: 'm' } }));
    const agent = value(await stack.bus.send(ProvidersOps.createAgent, { actor: a.admin, body: { name: 'x', providerId: provider.id } }));
    const intruder = b.admin;

    const notFound = async (pending: Promise<Result<unknown>>, code: string) => expect(errorCode(await pending)).toBe(code);
    await notFound(stack.bus.send(ProvidersOps.getProvider, { actor: intruder, id: provider.id }), 'provider_not_found');
    await notFound(stack.bus.send(ProvidersOps.updateProvider, { actor: intruder, id: provider.id, changes: { rateLimitRpm: 1 } }), 'provider_not_found');
    await notFound(stack.bus.send(ProvidersOps.deleteProvider, { actor: intruder, id: provider.id }), 'provider_not_found');
    await notFound(stack.bus.send(ProvidersOps.providerHistory, { actor: intruder, id: provider.id }), 'provider_not_found');
    await notFound(stack.bus.send(ProvidersOps.listModels, { actor: intruder, providerId: provider.id }), 'provider_not_found');
    await notFound(stack.bus.send(ProvidersOps.addModel, { actor: intruder, providerId: provider.id, body: { name: 'n' } }), 'provider_not_found');
    await notFound(stack.bus.send(ProvidersOps.removeModel, { actor: intruder, id: model.id }), 'model_not_found');
    await notFound(stack.bus.send(ProvidersOps.createAgent, { actor: intruder, body: { name: 'y', providerId: provider.id } }), 'provider_not_found');
    await notFound(stack.bus.send(ProvidersOps.getAgent, { actor: intruder, id: agent.id }), 'agent_not_found');
    await notFound(stack.bus.send(ProvidersOps.updateAgent, { actor: intruder, id: agent.id, changes: { name: 'z' } }), 'agent_not_found');
    await notFound(stack.bus.send(ProvidersOps.deleteAgent, { actor: intruder, id: agent.id }), 'agent_not_found');
    await notFound(stack.bus.send(ProvidersOps.revokeKey, { actor: intruder, id: a.admin.keyId }), 'key_not_found');
    const agentKey = { name: 'k', role: 'agent', agentId: agent.id } as const;
    await notFound(stack.bus.send(ProvidersOps.createKey, { actor: intruder, keyId: newId('key'), keyHash: newKeyHash(), body: agentKey }), 'agent_not_found');
    expect(value(await stack.bus.send(ProvidersOps.listProviders, { actor: intruder })).data).toEqual([]);
    await notFound(stack.bus.send(ProvidersOps.listProviders, { actor: operator }), 'forbidden');
    await notFound(stack.bus.send(ProvidersOps.createTenant, { actor: intruder, name: 'n', adminKeyId: newId('key'), adminKeyHash: newKeyHash() }), 'forbidden');
  });

  it('gives an agent an optional monthly budget: on create, changed and removed by update, carried by its events', async () => {
    const { tenantId, admin } = await newTenant('Budgets');
    const provider = await newProvider(admin, 'Budgeted');
    const plain = value(await stack.bus.send(ProvidersOps.createAgent, { actor: admin, body: { name: 'plain', providerId: provider.id } }));
    expect(plain.monthlyBudgetUsd).toBeNull();
    const plainCreated = { agentId: plain.id, monthlyBudgetUsd: null };
    expect(await publishedLike(tenantId, 'agent.created', plainCreated)).toMatchObject(plainCreated);

    const agent = value(
      await stack.bus.send(ProvidersOps.createAgent, { actor: admin, body: { name: 'capped', providerId: provider.id, monthlyBudgetUsd: 120.5 } }),
    );
    expect(agent).toMatchObject({ name: 'capped', monthlyBudgetUsd: 120.5, version: 1 });
    const created = { agentId: agent.id, monthlyBudgetUsd: 120.5 };
    expect(await publishedLike(tenantId, 'agent.created', created)).toMatchObject(created);
    expect(value(await stack.bus.send(ProvidersOps.getAgent, { actor: admin, id: agent.id })).monthlyBudgetUsd).toBe(120.5);

    const update = (monthlyBudgetUsd: number | null) =>
      stack.bus.send(ProvidersOps.updateAgent, { actor: admin, id: agent.id, changes: { monthlyBudgetUsd } });
    expect(value(await update(0))).toMatchObject({ monthlyBudgetUsd: 0, version: 2 });
    const zeroed = { agentId: agent.id, changes: { monthlyBudgetUsd: 0 } };
    expect(await publishedLike(tenantId, 'agent.updated', zeroed)).toMatchObject(zeroed);
    // The same value again records nothing.
    expect(value(await update(0)).version).toBe(2);
    expect(value(await update(null))).toMatchObject({ monthlyBudgetUsd: null, version: 3 });
    const removed = { agentId: agent.id, changes: { monthlyBudgetUsd: null } };
    expect(await publishedLike(tenantId, 'agent.updated', removed)).toMatchObject(removed);

    // Refused at the boundary; the agent stays as it was.
    expect(errorCode(await update(-1))).toBe('validation_failed');
    const negative = await stack.bus.send(ProvidersOps.createAgent, { actor: admin, body: { name: 'neg', providerId: provider.id, monthlyBudgetUsd: -0.01 } });
    expect(errorCode(negative)).toBe('validation_failed');
    expect(value(await stack.bus.send(ProvidersOps.getAgent, { actor: admin, id: agent.id }))).toMatchObject({ monthlyBudgetUsd: null, version: 3 });
    expect(value(await stack.bus.send(ProvidersOps.listAgents, { actor: admin })).data.map((a) => a.name)).toEqual(['plain', 'capped']);
  });

  it('refuses bad input at the boundary and key values it must not store', async () => {
    const { admin } = await newTenant('Input');
    const bad = await stack.bus.send(ProvidersOps.registerProvider, { actor: admin, body: { name: '', type: 'openai' } });
    expect(errorCode(bad)).toBe('validation_failed');
    const withKey = await stack.bus.send(ProvidersOps.registerProvider, { actor: admin, body: { name: 'k', type: 'openai', apiKey: 'sk-x' } });
    expect(errorCode(withKey)).toBe('validation_failed');
  });
});
