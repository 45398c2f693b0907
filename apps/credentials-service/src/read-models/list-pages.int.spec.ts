import { CredentialsOps, encodeCursor, type Actor, type Page, type Result } from '@switchboard/contracts';
import { generateRecipientKeyPair, sealForTransport } from '@switchboard/sealing';
import { adminOf, errorCode, newTenantId, startTestStack, transportKeyOf, value, type TestStack } from '../../test/service.harness.js';

let stack: TestStack;
let transportKey: string;

beforeAll(async () => {
  stack = await startTestStack();
  transportKey = await transportKeyOf(stack.bus);
});

afterAll(async () => {
  await stack?.stop();
});

let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}`;
const ids = (result: Result<Page<{ id: string }>>): Result<Page<{ id: string }>> =>
  result.ok ? { ok: true, value: { data: result.value.data.map(({ id }) => ({ id })), nextCursor: result.value.nextCursor } } : result;

/** The two lists of credentials-service: how to add one more item, and how to read a page. */
const LISTS = {
  secrets: {
    add: async (actor: Actor) => {
      const name = unique('secret');
      const sealedValue = sealForTransport({ value: `sk-${name}-0123456789` }, transportKey, { purpose: 'secret.create', tenantId: actor.tenantId ?? '', subject: name });
      value(await stack.bus.send(CredentialsOps.createSecret, { actor, name, kind: 'api_key', sealedValue }));
    },
    page: async (actor: Actor, limit: number, cursor?: string) => ids(await stack.bus.send(CredentialsOps.listSecrets, { actor, limit, ...(cursor ? { cursor } : {}) })),
  },
  recipients: {
    add: async (actor: Actor) => {
      value(await stack.bus.send(CredentialsOps.registerRecipient, { actor, name: unique('orchestrator'), publicKey: generateRecipientKeyPair().publicKey }));
    },
    page: async (actor: Actor, limit: number, cursor?: string) =>
      ids(await stack.bus.send(CredentialsOps.listRecipients, { actor, limit, ...(cursor ? { cursor } : {}) })),
  },
} as const;
const NAMES = Object.keys(LISTS) as (keyof typeof LISTS)[];

describe('list pages in credentials-service', () => {
  it.each(NAMES)('walks every one of the %s exactly once, two at a time, while more are added between pages', async (list) => {
    const admin = adminOf(newTenantId());
    for (let i = 0; i < 5; i++) await LISTS[list].add(admin);
    const before = value(await LISTS[list].page(admin, 1000)).data.map((item) => item.id);
    expect(before).toHaveLength(5);

    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 20; pages++) {
      const page = value(await LISTS[list].page(admin, 2, cursor));
      seen.push(...page.data.map((item) => item.id));
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
      await LISTS[list].add(admin);
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.slice(0, before.length)).toEqual(before);
    expect(value(await LISTS[list].page(admin, 1000)).data.map((item) => item.id)).toEqual(seen);
  });

  it.each(NAMES)('refuses a cursor the %s list never gave out, and a limit out of range, with validation_failed', async (list) => {
    const admin = adminOf(newTenantId());
    await LISTS[list].add(admin);
    const other = NAMES.find((name) => name !== list) ?? 'none';
    for (const cursor of ['garbage!', 'AAAA', encodeCursor(other, ['2025-01-01T00:00:00.000000Z', 'sec_00000000000000000000']), encodeCursor(list, ['yesterday', 'x'])]) {
      expect([cursor, errorCode(await LISTS[list].page(admin, 10, cursor))]).toEqual([cursor, 'validation_failed']);
    }
    for (const limit of [0, 1001]) expect([limit, errorCode(await LISTS[list].page(admin, limit))]).toEqual([limit, 'validation_failed']);
  });

  it.each(NAMES)('reads only the caller’s own %s with a cursor from another tenant’s list', async (list) => {
    const a = adminOf(newTenantId());
    const b = adminOf(newTenantId());
    for (let i = 0; i < 3; i++) {
      await LISTS[list].add(a);
      await LISTS[list].add(b);
    }
    const aCursor = value(await LISTS[list].page(a, 1)).nextCursor ?? undefined;
    const aAll = value(await LISTS[list].page(a, 1000)).data.map((item) => item.id);
    const bAll = value(await LISTS[list].page(b, 1000)).data.map((item) => item.id);
    const bWithA = value(await LISTS[list].page(b, 1000, aCursor)).data.map((item) => item.id);
    expect(bWithA.filter((id) => aAll.includes(id))).toEqual([]);
    expect(bAll).toEqual(expect.arrayContaining(bWithA));
  });
});
