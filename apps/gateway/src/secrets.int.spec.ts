import { randomBytes } from 'node:crypto';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { testIdentities, untrustedIdentity } from '@switchboard/service-identity/testing';
import { startTelemetry, type Telemetry } from '@switchboard/telemetry';
import { generateAccessKey } from './auth/access-key.js';
import type { GatewayHarness, HarnessResponse } from '../test/gateway.harness.js';

// Set before the harness (and the fakes' decorators, which read it) is imported.
const namespace = `t${randomBytes(5).toString('hex')}`;
process.env.SWITCHBOARD_NAMESPACE = namespace;

type Json = Record<string, unknown>;
const operatorKey = generateAccessKey();
const errorOf = (body: unknown) => (body as { error: { code: string; message: string; dependents?: unknown } }).error;
/** A value that must never show up outside credentials-service (and the reveal answer). */
const CANARY = `sk-canary-${randomBytes(12).toString('hex')}`;

describe('secrets (gateway in-process, real NATS, fake services)', () => {
  const spans = new InMemorySpanExporter();
  const logLines: string[] = [];
  /** Every response except the reveal's, which is the one place a value may appear. */
  const responses: HarnessResponse[] = [];
  let telemetry: Telemetry;
  let h: GatewayHarness;
  let admin: string;
  let member: string;

  async function call(method: string, url: string, options: Parameters<GatewayHarness['request']>[2] = {}) {
    const res = await h.request(method, url, options);
    responses.push(res);
    return res;
  }

  beforeAll(async () => {
    telemetry = startTelemetry('gateway', { spanProcessors: [new SimpleSpanProcessor(spans)] });
    const { GatewayHarness } = await import('../test/gateway.harness.js');
    h = await GatewayHarness.start({ namespace, operatorKey, logLines });
    const tenant = await h.request('POST', '/v1/tenants', { key: operatorKey, body: { name: 'vault' } });
    admin = (tenant.body as Json).adminKey as string;
    const memberKey = await h.request('POST', '/v1/keys', { key: admin, body: { name: 'reader', role: 'member' } });
    member = (memberKey.body as Json).key as string;
  });

  afterAll(async () => {
    await h?.close();
    await telemetry?.shutdown();
  });

  it('stores a value write-only: 201 with hint and ETag, never the value', async () => {
    const created = await call('POST', '/v1/secrets', { key: admin, body: { name: 'openai prod', value: CANARY } });
    expect(created.status).toBe(201);
    expect(created.headers.etag).toBe('"1"');
    expect(created.body).toEqual({
      id: expect.stringMatching(/^sec_/),
      name: 'openai prod',
      kind: 'api_key',
      version: 1,
      fingerprint: expect.any(String),
      hint: `sk-…${CANARY.slice(-4)}`,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const id = (created.body as Json).id as string;
    // It reached credentials-service through the sealed transport, intact.
    expect(h.credentials.values.get(id)).toBe(CANARY);

    const listed = await call('GET', '/v1/secrets', { key: member });
    expect(listed.body).toEqual({ data: [expect.objectContaining({ id, name: 'openai prod' })], nextCursor: null });
    const one = await call('GET', `/v1/secrets/${id}`, { key: member });
    expect(one.status).toBe(200);
    expect(one.headers.etag).toBe('"1"');
  });

  it('rotates with If-Match and reveals the current value to admins only, uncached', async () => {
    const created = await call('POST', '/v1/secrets', { key: admin, body: { name: 'rotating', value: 'sk-first-value-0001' } });
    const id = (created.body as Json).id as string;
    const rotated = await call('PUT', `/v1/secrets/${id}`, { key: admin, body: { value: `${CANARY}-2` }, headers: { 'if-match': '"1"' } });
    expect(rotated.status).toBe(200);
    expect(rotated.headers.etag).toBe('"2"');
    expect(rotated.body).toMatchObject({ id, version: 2, hint: `sk-…${`${CANARY}-2`.slice(-4)}` });
    const stale = await call('PUT', `/v1/secrets/${id}`, { key: admin, body: { value: 'sk-other-0000' }, headers: { 'if-match': '"1"' } });
    expect(stale.status).toBe(412);

    expect((await call('POST', `/v1/secrets/${id}/reveal`, { key: member })).status).toBe(403);
    const revealed = await h.request('POST', `/v1/secrets/${id}/reveal`, { key: admin });
    expect(revealed.status).toBe(200);
    expect(revealed.headers['cache-control']).toBe('no-store');
    expect(revealed.body).toEqual({ value: `${CANARY}-2` });
    expect((await call('POST', '/v1/secrets/sec_00000000000000000000/reveal', { key: admin })).status).toBe(404);
  });

  it('lets members read but not write', async () => {
    expect((await call('POST', '/v1/secrets', { key: member, body: { name: 'x', value: CANARY } })).status).toBe(403);
    expect((await call('PUT', '/v1/secrets/sec_00000000000000000000', { key: member, body: { value: CANARY } })).status).toBe(403);
    expect((await call('DELETE', '/v1/secrets/sec_00000000000000000000', { key: member })).status).toBe(403);
  });

  it('refuses to delete a secret a provider uses, naming it, and deletes it after', async () => {
    const created = await call('POST', '/v1/secrets', { key: admin, body: { name: 'in use', value: 'sk-in-use-value-1' } });
    const secretId = (created.body as Json).id as string;
    const provider = await call('POST', '/v1/providers', { key: admin, body: { name: 'user of secret', type: 'openai', secretId } });
    const providerId = (provider.body as Json).id as string;

    const refused = await call('DELETE', `/v1/secrets/${secretId}`, { key: admin });
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({ error: { code: 'secret_in_use', message: expect.any(String), dependents: [providerId] } });
    expect((await call('DELETE', `/v1/providers/${providerId}`, { key: admin })).status).toBe(204);
    expect((await call('DELETE', `/v1/secrets/${secretId}`, { key: admin, headers: { 'if-match': '"2"' } })).status).toBe(412);
    expect((await call('DELETE', `/v1/secrets/${secretId}`, { key: admin, headers: { 'if-match': '"1"' } })).status).toBe(204);
    expect((await call('GET', `/v1/secrets/${secretId}`, { key: admin })).status).toBe(404);
  });

  it.each<[string, unknown, string]>([
    ['an empty value', { name: 'n', value: '' }, 'value: must not be empty'],
    ['a missing name', { value: CANARY }, 'name: is required'],
    ['an unknown field', { name: 'n', value: CANARY, note: CANARY }, 'note: is not a known field'],
    ['a value of the wrong type', { name: 'n', value: 42 }, 'value: must be a string'],
  ])('refuses %s with 400 and never echoes the value', async (_case, body, message) => {
    await h.flushTap();
    const before = h.busSubjects.length;
    const res = await call('POST', '/v1/secrets', { key: admin, body });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { code: 'validation_failed', message } });
    await h.flushTap();
    expect(h.busSubjects.slice(before)).toEqual([]);
  });

  it('fetches the transport key once, and again only when credentials-service no longer opens it', async () => {
    const fetches = h.credentials.transportKeyFetches;
    expect((await call('POST', '/v1/secrets', { key: admin, body: { name: 'cached key', value: CANARY } })).status).toBe(201);
    expect(h.credentials.transportKeyFetches).toBe(fetches);

    h.credentials.rotateTransportKey();
    const afterRestart = await call('POST', '/v1/secrets', { key: admin, body: { name: 'new key', value: CANARY } });
    expect(afterRestart.status).toBe(201);
    expect(h.credentials.transportKeyFetches).toBe(fetches + 1);
    expect(h.credentials.values.get((afterRestart.body as Json).id as string)).toBe(CANARY);
  });

  it('seals nothing to a transport key credentials-service’s identity did not sign', async () => {
    for (const signer of [untrustedIdentity('credentials'), testIdentities().identity('usage')]) {
      const count = h.credentials.secrets.size;
      h.credentials.rotateTransportKey();
      h.credentials.transportSigner = signer;
      const refused = await call('POST', '/v1/secrets', { key: admin, body: { name: 'to a foreign key', value: CANARY } });
      expect(refused.status).toBe(500);
      expect(h.credentials.secrets.size).toBe(count);
      // The key it refused is not kept: the next call asks again.
      h.credentials.transportSigner = null;
      expect((await call('POST', '/v1/secrets', { key: admin, body: { name: `signed again ${signer.service}`, value: CANARY } })).status).toBe(201);
      expect(h.credentials.secrets.size).toBe(count + 1);
    }
  });

  it('answers 503 with Retry-After while KMS is down, storing nothing', async () => {
    const count = h.credentials.secrets.size;
    h.credentials.kmsDown = true;
    try {
      const res = await call('POST', '/v1/secrets', { key: admin, body: { name: 'no kms', value: CANARY } });
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('2');
      expect(errorOf(res.body).code).toBe('unavailable');
    } finally {
      h.credentials.kmsDown = false;
    }
    expect(h.credentials.secrets.size).toBe(count);
  });

  it('never lets the value reach a log line, a span, a bus message or a response other than reveal', async () => {
    await h.flushTap();
    const spanText = JSON.stringify(spans.getFinishedSpans().map((s) => ({ name: s.name, attributes: s.attributes, events: s.events })));
    expect(spans.getFinishedSpans().length).toBeGreaterThan(0);
    expect(h.busPayloads.length).toBeGreaterThan(0);
    for (const [where, text] of [
      ['logs', logLines.join('\n')],
      ['spans', spanText],
      ['bus', h.busPayloads.join('\n')],
      ['responses', responses.map((r) => r.text).join('\n')],
    ]) {
      expect([where, text.includes(CANARY)]).toEqual([where, false]);
    }
  });
});
