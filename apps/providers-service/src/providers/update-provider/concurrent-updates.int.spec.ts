import { newId, ProvidersOps, type ProviderView, type UpdateProviderBody } from '@switchboard/contracts';
import { adminOf, newKeyHash, operator, startTestStack, type TestStack, value } from '../../../test/service.harness.js';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack(2);
});

afterAll(async () => {
  await stack?.stop();
});

/** One change per mutable field, each different from what registration set. */
const CHANGES: readonly UpdateProviderBody[] = [
  { name: 'Renamed' },
  { endpoint: 'https://eu.api.openai.com/v1' },
  { protocol: 'anthropic_messages' },
  { authMethod: 'x_api_key' },
  { organizationId: 'org_42' },
  { defaultModel: 'gpt-4o-mini' },
  { rateLimitRpm: 1200 },
  { monthlyBudgetUsd: 99.5 },
];

describe('two instances in one queue group', () => {
  it('serve concurrent updates to one provider without losing any', async () => {
    const adminKeyId = newId('key');
    const tenant = value(
      await stack.bus.send(ProvidersOps.createTenant, { actor: operator, name: 'Concurrency', adminKeyId, adminKeyHash: newKeyHash() }),
    );
    const actor = adminOf(tenant.id, adminKeyId);
    const provider = value(await stack.bus.send(ProvidersOps.registerProvider, { actor, body: { name: 'Hot', type: 'openai' } }));
    // A default model must name one of the provider's models.
    value(await stack.bus.send(ProvidersOps.addModel, { actor, providerId: provider.id, body: { name: 'gpt-4o-mini' } }));

    // Without If-Match the service retries lost append races itself; a caller may still see a conflict
    // when more writers collide than its retries cover, and then simply retries too.
    const update = async (changes: UpdateProviderBody): Promise<ProviderView> => {
      for (let attempt = 0; ; attempt++) {
        const result = await stack.bus.send(ProvidersOps.updateProvider, { actor, id: provider.id, changes }, { timeoutMs: 15_000 });
        if (result.ok || result.error.code !== 'version_conflict' || attempt >= 10) return value(result);
      }
    };
    await Promise.all(CHANGES.map(update));

    const final = value(await stack.bus.send(ProvidersOps.getProvider, { actor, id: provider.id }));
    expect(final).toMatchObject(Object.assign({}, ...CHANGES));
    expect(final.version).toBe(CHANGES.length + 1);
    const history = value(await stack.bus.send(ProvidersOps.providerHistory, { actor, id: provider.id })).data;
    expect(history.map((h) => h.version)).toEqual(Array.from({ length: CHANGES.length + 1 }, (_, i) => i + 1));
  });
});
