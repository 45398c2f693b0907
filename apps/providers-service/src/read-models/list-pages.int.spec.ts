import { encodeCursor, newId, ProvidersOps, type Actor, type Page, type Result } from '@switchboard/contracts';
import { createTenant, errorCode, newKeyHash, startTestStack, value, type TestStack } from '../../test/service.harness.js';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack(1);
});

afterAll(async () => {
  await stack?.stop();
});

interface Tenant {
  readonly admin: Actor;
  readonly providerId: string;
}

let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}`;

async function newTenant(): Promise<Tenant> {
  const { admin } = await createTenant(stack, unique('tenant'));
  const provider = value(await stack.bus.send(ProvidersOps.registerProvider, { actor: admin, body: { name: 'base', type: 'openai' } }));
  return { admin, providerId: provider.id };
}

type PageOf = (t: Tenant, limit: number, cursor?: string) => Promise<Result<Page<{ key: string }>>>;
const keyed =
  <T>(keyOf: (item: T) => string) =>
  (result: Result<Page<T>>): Result<Page<{ key: string }>> =>
    result.ok ? { ok: true, value: { data: result.value.data.map((item) => ({ key: keyOf(item) })), nextCursor: result.value.nextCursor } } : result;
const byId = keyed((item: { id: string }) => item.id);

/** Every list of providers-service: how to add one more item to it, and how to read a page of it. */
const LISTS: Record<string, { readonly add: (t: Tenant) => Promise<unknown>; readonly page: PageOf }> = {
  keys: {
    add: async (t) =>
      value(await stack.bus.send(ProvidersOps.createKey, { actor: t.admin, keyId: newId('key'), keyHash: newKeyHash(), body: { name: unique('k'), role: 'member' } })),
    page: async (t, limit, cursor) => byId(await stack.bus.send(ProvidersOps.listKeys, { actor: t.admin, limit, ...(cursor ? { cursor } : {}) })),
  },
  providers: {
    add: async (t) => value(await stack.bus.send(ProvidersOps.registerProvider, { actor: t.admin, body: { name: unique('p'), type: 'openai' } })),
    page: async (t, limit, cursor) => byId(await stack.bus.send(ProvidersOps.listProviders, { actor: t.admin, limit, ...(cursor ? { cursor } : {}) })),
  },
  models: {
    add: async (t) => value(await stack.bus.send(ProvidersOps.addModel, { actor: t.admin, providerId: t.providerId, body: { name: unique('m') } })),
    page: async (t, limit, cursor) =>
      byId(await stack.bus.send(ProvidersOps.listModels, { actor: t.admin, providerId: t.providerId, limit, ...(cursor ? { cursor } : {}) })),
  },
  agents: {
    add: async (t) => value(await stack.bus.send(ProvidersOps.createAgent, { actor: t.admin, body: { name: unique('a'), providerId: t.providerId } })),
    page: async (t, limit, cursor) => byId(await stack.bus.send(ProvidersOps.listAgents, { actor: t.admin, limit, ...(cursor ? { cursor } : {}) })),
  },
  history: {
    add: async (t) => {
      const version = value(await stack.bus.send(ProvidersOps.getProvider, { actor: t.admin, id: t.providerId })).version;
      return value(
        await stack.bus.send(ProvidersOps.updateProvider, { actor: t.admin, id: t.providerId, expectedVersion: version, changes: { rateLimitRpm: ++counter } }),
      );
    },
    page: async (t, limit, cursor) =>
      keyed((entry: { version: number }) => String(entry.version))(
        await stack.bus.send(ProvidersOps.providerHistory, { actor: t.admin, id: t.providerId, limit, ...(cursor ? { cursor } : {}) }),
      ),
  },
};
const NAMES = Object.keys(LISTS);

function list(name: string): (typeof LISTS)[string] {
  const found = LISTS[name];
  if (!found) throw new Error(`no list ${name}`);
  return found;
}

async function everything(t: Tenant, name: string): Promise<string[]> {
  return value(await list(name).page(t, 1000)).data.map((item) => item.key);
}

describe('list pages in providers-service', () => {
  it.each(NAMES)('walks every %s exactly once, two at a time, while more are added between pages', async (name) => {
    const t = await newTenant();
    for (let i = 0; i < 7; i++) await list(name).add(t);
    const before = await everything(t, name);
    expect(before.length).toBeGreaterThanOrEqual(7);

    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 50; pages++) {
      const page = value(await list(name).page(t, 2, cursor));
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data.map((item) => item.key));
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
      // Inserts while the client walks: they never shift the pages still to come.
      await list(name).add(t);
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.slice(0, before.length)).toEqual(before);
    // The last page says so: a walk ends, and every item added on the way is somewhere in it or after it.
    expect(seen.length).toBeGreaterThan(before.length);
  });

  it.each(NAMES)('answers the first page of %s with a limit, and a last page with nextCursor null', async (name) => {
    const t = await newTenant();
    for (let i = 0; i < 3; i++) await list(name).add(t);
    const all = await everything(t, name);
    const first = value(await list(name).page(t, all.length - 1));
    expect(first.data.map((item) => item.key)).toEqual(all.slice(0, -1));
    expect(first.nextCursor).toEqual(expect.any(String));
    const last = value(await list(name).page(t, all.length - 1, first.nextCursor ?? undefined));
    expect(last).toEqual({ data: [{ key: all.at(-1) }], nextCursor: null });
    expect(value(await list(name).page(t, all.length))).toEqual({ data: all.map((key) => ({ key })), nextCursor: null });
  });

  it.each(NAMES)('refuses a cursor that %s never gave out with validation_failed', async (name) => {
    const t = await newTenant();
    for (let i = 0; i < 3; i++) await list(name).add(t);
    const other = NAMES.find((candidate) => candidate !== name) ?? '';
    const bad = [
      'not a cursor',
      'AAAA',
      // A well-formed position, of another list.
      encodeCursor(other, ['2025-01-01T00:00:00.000000Z', 'prv_00000000000000000000']),
      encodeCursor(name, ['2025-13-45T00:00:00.000000Z', 'x_1']),
      encodeCursor(name, [1e300]),
      Buffer.from('["keys"').toString('base64url'),
      'x'.repeat(600),
    ];
    for (const cursor of bad) expect([cursor, errorCode(await list(name).page(t, 2, cursor))]).toEqual([cursor, 'validation_failed']);
    for (const limit of [0, 1001, 1.5]) expect([limit, errorCode(await list(name).page(t, limit))]).toEqual([limit, 'validation_failed']);
  });

  it.each(NAMES.filter((candidate) => candidate !== 'history' && candidate !== 'models'))(
    'reads only the caller’s own %s with a cursor taken from another tenant’s list',
    async (name) => {
      const a = await newTenant();
      const b = await newTenant();
      for (let i = 0; i < 3; i++) {
        await list(name).add(a);
        await list(name).add(b);
      }
      const aPage = value(await list(name).page(a, 1));
      const bAll = await everything(b, name);
      const bWithA = value(await list(name).page(b, 1000, aPage.nextCursor ?? undefined));
      // A cursor is a position only: B gets B's items after it, never one of A's.
      const aAll = await everything(a, name);
      expect(bWithA.data.filter((item) => aAll.includes(item.key))).toEqual([]);
      expect(bAll).toEqual(expect.arrayContaining(bWithA.data.map((item) => item.key)));
    },
  );

  it('answers another tenant’s provider as not found, whatever the cursor', async () => {
    const a = await newTenant();
    const b = await newTenant();
    await list('models').add(a);
    await list('models').add(a);
    const cursor = value(await list('models').page(a, 1)).nextCursor ?? undefined;
    const intruder = { ...b, providerId: a.providerId };
    expect(errorCode(await list('models').page(intruder, 10, cursor))).toBe('provider_not_found');
    expect(errorCode(await list('history').page(intruder, 10))).toBe('provider_not_found');
    expect(errorCode(await list('models').page(intruder, 10, 'not a cursor'))).toBe('validation_failed');
  });
});
