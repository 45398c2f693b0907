import { randomBytes } from 'node:crypto';
import type { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NatsConnection } from '@nats-io/transport-node';
import type { SecretKind } from '@switchboard/contracts';
import { BusClient, ServiceIdentityModule, natsMicroserviceOptions, type NatsConfig } from '@switchboard/messaging';
import { testIdentities } from '@switchboard/service-identity/testing';
import type { FakeCredentialsState } from '../../../test/fake-credentials.service.js';
import { GatewayCredentialCache } from './gateway-credential.cache.js';

// Set before the fake service is imported: its handlers' subjects are namespaced when they are declared.
const namespace = `t${randomBytes(5).toString('hex')}`;
process.env.SWITCHBOARD_NAMESPACE = namespace;
const nats: NatsConfig = { url: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', namespace, name: 'credential-cache-spec' };

const TENANT = 'ten_1';
const API_KEY = 'sk-cached-provider-key-0123456789';

describe('gateway credential cache (real NATS, fake credentials-service sealing as the real one)', () => {
  let state: FakeCredentialsState;
  let service: INestMicroservice;
  let bus: BusClient;

  /** A secret of `tenantId` as credentials-service keeps it, with its plaintext value. */
  const store = (id: string, value: string, kind: SecretKind = 'api_key', tenantId = TENANT, version = 1): void => {
    const at = new Date().toISOString();
    state.secrets.set(id, { tenantId, id, name: `${id} key`, kind, version, fingerprint: 'f', hint: '…', createdAt: at, updatedAt: at });
    state.values.set(id, value);
  };

  beforeAll(async () => {
    const fakes = await import('../../../test/fake-credentials.service.js');
    state = new fakes.FakeCredentialsState();
    const module = ServiceIdentityModule.around(fakes.fakeCredentialsModule(state), testIdentities().identity('credentials'));
    service = await NestFactory.createMicroservice(module, { ...natsMicroserviceOptions({ ...nats, name: 'fake-credentials' }, 'credentials'), logger: false });
    await service.listen();
    // The subscriptions reach the server before the first request, or it would find no responders.
    await service.unwrap<NatsConnection>().flush();
    bus = BusClient.create(nats, testIdentities().identity('gateway'));
  });

  afterAll(async () => {
    await bus?.close();
    await service?.close();
  });

  beforeEach(() => {
    state.secrets.clear();
    state.values.clear();
    state.kmsDown = false;
    state.gatewayCredentialFetches = 0;
  });

  it('fetches a credential once, opens the sealed API key, and answers from memory afterwards', async () => {
    store('sec_a', API_KEY, 'api_key', TENANT, 3);
    const cache = new GatewayCredentialCache(bus);
    expect(cache.peek(TENANT, 'sec_a')).toBeUndefined();

    const first = await cache.get(TENANT, 'sec_a');
    expect(first).toEqual({ ok: true, value: { tenantId: TENANT, secretId: 'sec_a', version: 3, kind: 'api_key', upstream: { apiKey: API_KEY } } });
    expect(cache.peek(TENANT, 'sec_a')).toEqual(first.ok ? first.value : null);
    const again = await cache.get(TENANT, 'sec_a');
    expect(again.ok && first.ok && again.value === first.value).toBe(true);
    expect(state.gatewayCredentialFetches).toBe(1);
  });

  it('opens a headers secret as the headers to send', async () => {
    store('sec_h', JSON.stringify({ 'x-org-key': 'k-1', 'x-project': 'p-2' }), 'headers');
    const cache = new GatewayCredentialCache(bus);
    const got = await cache.get(TENANT, 'sec_h');
    expect(got).toMatchObject({ ok: true, value: { kind: 'headers', upstream: { headers: { 'x-org-key': 'k-1', 'x-project': 'p-2' } } } });
  });

  it('asks credentials-service once for calls that wait on the same credential together', async () => {
    store('sec_a', API_KEY);
    const cache = new GatewayCredentialCache(bus);
    const results = await Promise.all([cache.get(TENANT, 'sec_a'), cache.get(TENANT, 'sec_a'), cache.get(TENANT, 'sec_a')]);
    expect(results.map((r) => r.ok && r.value.upstream.apiKey)).toEqual([API_KEY, API_KEY, API_KEY]);
    expect(state.gatewayCredentialFetches).toBe(1);
  });

  it("never hands one tenant's credential to another, cached or not", async () => {
    store('sec_a', API_KEY);
    const cache = new GatewayCredentialCache(bus);
    expect((await cache.get(TENANT, 'sec_a')).ok).toBe(true);

    expect(cache.peek('ten_other', 'sec_a')).toBeUndefined();
    const other = await cache.get('ten_other', 'sec_a');
    expect(other).toEqual({ ok: false, error: expect.objectContaining({ code: 'secret_not_found' }) });
    expect(JSON.stringify(other)).not.toContain(API_KEY);
    // The owner's entry is still there.
    expect(cache.peek(TENANT, 'sec_a')?.upstream.apiKey).toBe(API_KEY);
  });

  it('passes a failure on without caching it: the next call asks again', async () => {
    store('sec_a', API_KEY);
    state.kmsDown = true;
    const cache = new GatewayCredentialCache(bus);
    const failed = await cache.get(TENANT, 'sec_a');
    expect(failed).toEqual({ ok: false, error: expect.objectContaining({ code: 'unavailable' }) });
    expect(cache.peek(TENANT, 'sec_a')).toBeUndefined();

    state.kmsDown = false;
    expect(await cache.get(TENANT, 'sec_a')).toMatchObject({ ok: true, value: { upstream: { apiKey: API_KEY } } });
    expect(state.gatewayCredentialFetches).toBe(2);
  });

  it('fetches a dropped credential again, so a rotated key is used from the next call', async () => {
    store('sec_a', API_KEY);
    const cache = new GatewayCredentialCache(bus);
    const before = await cache.get(TENANT, 'sec_a');
    store('sec_a', 'sk-rotated-key-abcdefghij', 'api_key', TENANT, 2);
    // Until dropped, the cached key is the one calls use.
    expect(cache.peek(TENANT, 'sec_a')?.upstream.apiKey).toBe(API_KEY);

    cache.drop('sec_a');
    expect(cache.peek(TENANT, 'sec_a')).toBeUndefined();
    const after = await cache.get(TENANT, 'sec_a');
    expect(after).toMatchObject({ ok: true, value: { version: 2, upstream: { apiKey: 'sk-rotated-key-abcdefghij' } } });
    // A call that started with the old object keeps it.
    expect(before.ok && before.value.upstream.apiKey).toBe(API_KEY);
  });

  it('does not cache a value fetched while it was dropped: it may be the old one', async () => {
    store('sec_a', API_KEY);
    const cache = new GatewayCredentialCache(bus);
    const pending = cache.get(TENANT, 'sec_a');
    cache.drop('sec_a');
    expect(await pending).toMatchObject({ ok: true, value: { upstream: { apiKey: API_KEY } } });
    expect(cache.peek(TENANT, 'sec_a')).toBeUndefined();
  });

  it('drops every credential on clear', async () => {
    store('sec_a', API_KEY);
    store('sec_b', 'sk-second-key-0123456789');
    const cache = new GatewayCredentialCache(bus);
    await cache.get(TENANT, 'sec_a');
    await cache.get(TENANT, 'sec_b');
    cache.clear();
    expect([cache.peek(TENANT, 'sec_a'), cache.peek(TENANT, 'sec_b')]).toEqual([undefined, undefined]);
    await cache.get(TENANT, 'sec_a');
    expect(state.gatewayCredentialFetches).toBe(3);
  });
});
