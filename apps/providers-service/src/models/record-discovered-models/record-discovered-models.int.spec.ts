import pg from 'pg';
import { newId, ProvidersOps, type Actor, type ModelView, type Result } from '@switchboard/contracts';
import { operator, startTestStack, type TestStack, value, errorCode, createTenant } from '../../../test/service.harness.js';

let stack: TestStack;


const newTenant = (name: string) => createTenant(stack, name);

async function newProvider(admin: Actor, name: string): Promise<string> {
  return value(await stack.bus.send(ProvidersOps.registerProvider, { actor: admin, body: { name, type: 'openai' } })).id;
}

const listing = (...ids: string[]) => ids.map((upstreamModel) => ({ upstreamModel, createdAt: '2025-01-01T00:00:00Z' }));

/** Models recorded by one discovery share its instant, so among them the list order is by id: compare sorted. */
const names = (models: readonly ModelView[]): string[] => models.map((m) => m.name).sort();

const discover = (actor: Actor, providerId: string, models: ReturnType<typeof listing>): Promise<Result<{ data: ModelView[] }>> =>
  stack.bus.send(ProvidersOps.recordDiscoveredModels, { actor, providerId, models });

/** ModelAdded events stored for the tenant: what idempotency is about, beyond the answer. */
async function modelsAdded(tenantId: string): Promise<number> {
  const db = new pg.Client({ connectionString: stack.databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM providers.events WHERE tenant_id = $1 AND type = 'ModelAdded'`,
      [tenantId],
    );
    return rows[0]?.n ?? 0;
  } finally {
    await db.end();
  }
}

beforeAll(async () => {
  stack = await startTestStack(1);
});

afterAll(async () => {
  await stack?.stop();
});

describe('recordDiscoveredModels', () => {
  it('adds the listed models as discovered, keeps manual ones, and answers the full list', async () => {
    const { tenantId, admin } = await newTenant('Discovery');
    const providerId = await newProvider(admin, 'OpenAI');
    const manual = value(
      await stack.bus.send(ProvidersOps.addModel, { actor: admin, providerId, body: { name: 'GPT-4o', upstreamModel: 'gpt-4o', inputUsdPerMTok: 2.5 } }),
    );

    const listed = value(await discover(admin, providerId, listing('gpt-4o', 'o3', 'gpt-4.1-mini', 'O3', 'zz-inhouse-finetune'))).data;
    // gpt-4o is covered by the manual GPT-4o (case-insensitive), O3 by o3 listed just before it.
    expect(names(listed)).toEqual(['GPT-4o', 'gpt-4.1-mini', 'o3', 'zz-inhouse-finetune']);
    expect(listed[0]).toEqual(manual);
    // Discovered models are priced by the catalogue; one it does not know has no price rather than a zero one.
    const catalog = (input: number, output: number, cached: number, catalogModel: string) => ({
      price: { inputUsdPerMTok: input, outputUsdPerMTok: output, cachedInputUsdPerMTok: cached, source: 'catalog', catalogModel },
      priceKnown: true,
    });
    expect(listed.find((m) => m.name === 'o3')).toMatchObject({ providerId, upstreamModel: 'o3', source: 'discovered', ...catalog(2, 8, 0.5, 'openai/o3') });
    expect(listed.find((m) => m.name === 'gpt-4.1-mini')).toMatchObject({
      upstreamModel: 'gpt-4.1-mini',
      source: 'discovered',
      ...catalog(0.4, 1.6, 0.1, 'openai/gpt-4.1-mini'),
    });
    expect(listed.find((m) => m.name === 'zz-inhouse-finetune')).toMatchObject({ source: 'discovered', price: null, priceKnown: false });
    expect(value(await stack.bus.send(ProvidersOps.listModels, { actor: admin, providerId })).data).toEqual(listed);

    const event = await stack.lastEvent(tenantId, 'model.added');
    expect(event?.json()).toMatchObject({ type: 'model.added', tenantId, providerId, source: 'discovered', inputUsdPerMTok: null, outputUsdPerMTok: null });
    expect(await modelsAdded(tenantId)).toBe(4);
  });

  it('is idempotent: the same listing again, even concurrently, adds nothing', async () => {
    const { tenantId, admin } = await newTenant('Idempotent');
    const providerId = await newProvider(admin, 'P');
    const models = listing('a-model', 'b-model', 'c-model');
    const first = value(await discover(admin, providerId, models)).data;
    expect(names(first)).toEqual(['a-model', 'b-model', 'c-model']);
    expect(value(await discover(admin, providerId, models)).data).toEqual(first);
    expect(await modelsAdded(tenantId)).toBe(3);

    const fresh = await newProvider(admin, 'Concurrent');
    const racing = await Promise.all([1, 2, 3, 4].map(() => discover(admin, fresh, listing('x', 'y', 'z'))));
    const answers = racing.map((r) => value(r).data);
    expect(names(answers[0] ?? [])).toEqual(['x', 'y', 'z']);
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(await modelsAdded(tenantId)).toBe(6);
  });

  it('keeps models the upstream stopped listing, and re-adds one a user removed only if listed again', async () => {
    const { admin } = await newTenant('Kept');
    const providerId = await newProvider(admin, 'P');
    const first = value(await discover(admin, providerId, listing('old-model', 'stays'))).data;
    const second = value(await discover(admin, providerId, listing('stays', 'new-model'))).data;
    expect(names(second)).toEqual(['new-model', 'old-model', 'stays']);
    expect(second.filter((m) => m.name !== 'new-model')).toEqual(first);

    const stays = first.find((m) => m.name === 'stays');
    value(await stack.bus.send(ProvidersOps.removeModel, { actor: admin, id: stays?.id ?? '' }));
    const after = value(await discover(admin, providerId, listing('stays'))).data;
    expect(names(after)).toEqual(['new-model', 'old-model', 'stays']);
    expect(after.find((m) => m.name === 'stays')?.id).not.toBe(stays?.id);
  });

  it("is scoped to the admin's tenant and refuses other roles", async () => {
    const a = await newTenant('Owner');
    const b = await newTenant('Stranger');
    const providerId = await newProvider(a.admin, 'Private');
    expect(errorCode(await discover(b.admin, providerId, listing('m')))).toBe('provider_not_found');
    expect(errorCode(await discover(b.admin, newId('provider'), listing('m')))).toBe('provider_not_found');
    const member: Actor = { tenantId: a.tenantId, keyId: newId('key'), role: 'member', agentId: null };
    expect(errorCode(await discover(member, providerId, listing('m')))).toBe('forbidden');
    expect(errorCode(await discover(operator, providerId, listing('m')))).toBe('forbidden');
    expect(value(await stack.bus.send(ProvidersOps.listModels, { actor: a.admin, providerId })).data).toEqual([]);

    value(await stack.bus.send(ProvidersOps.deleteProvider, { actor: a.admin, id: providerId }));
    expect(errorCode(await discover(a.admin, providerId, listing('m')))).toBe('provider_not_found');
  });

  it('answers the list unchanged for an empty listing and refuses an empty upstream id at the boundary', async () => {
    const { admin } = await newTenant('Edges');
    const providerId = await newProvider(admin, 'P');
    value(await stack.bus.send(ProvidersOps.addModel, { actor: admin, providerId, body: { name: 'manual' } }));
    expect(value(await discover(admin, providerId, [])).data.map((m) => m.name)).toEqual(['manual']);
    expect(errorCode(await discover(admin, providerId, listing('')))).toBe('validation_failed');
  });
});
